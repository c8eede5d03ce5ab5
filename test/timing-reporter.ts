import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Prints, after the default reporter's summary, the run's wall time, each project's share and the
 * 20 slowest test files, so that a slow file shows up in the log of the run that made it slow.
 * A file's time is everything its worker spent on it: environment, import, setup and the tests with
 * their hooks.
 */
export default class TimingReporter implements Reporter {
  private started = Date.now();
  private readonly ends = new Map<TestModule, number>();

  onInit(_vitest: Vitest): void {
    this.started = Date.now();
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.ends.set(testModule, Date.now());
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const wall = Date.now() - this.started;
    const files = testModules.map((testModule) => {
      const d = testModule.diagnostic();
      const ms = d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
      const end = this.ends.get(testModule) ?? Date.now();
      return { project: testModule.project.name || '-', file: testModule.relativeModuleId, ms, start: end - ms, end };
    });
    const projects = new Map<string, { files: number; busy: number; start: number; end: number }>();
    for (const f of files) {
      const p = projects.get(f.project) ?? { files: 0, busy: 0, start: f.start, end: f.end };
      p.files += 1;
      p.busy += f.ms;
      p.start = Math.min(p.start, f.start);
      p.end = Math.max(p.end, f.end);
      projects.set(f.project, p);
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const lines = ['', `timings: whole run ${s(wall)} wall (${Math.floor(wall / 60_000)} min ${Math.round((wall % 60_000) / 1000)} s)`];
    for (const [name, p] of projects) {
      lines.push(
        `  project ${name}: ${p.files} files, ${s(p.end - p.start)} from its first file's start to its last file's end, ${s(p.busy)} summed over files`,
      );
    }
    const slowest = files.sort((a, b) => b.ms - a.ms).slice(0, 20);
    lines.push(`  ${slowest.length} slowest files:`);
    const width = Math.max(0, ...slowest.map((f) => f.project.length));
    for (const f of slowest) lines.push(`  ${s(f.ms).padStart(8)}  ${f.project.padEnd(width)}  ${f.file}`);
    console.log(lines.join('\n'));
  }
}
