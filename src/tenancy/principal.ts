import { SwitchboardError } from '../errors.js';
import type { Scope } from './schemas.js';

/** Who is calling: the API key's project and scopes. Every service call is scoped by it. */
export interface Principal {
  projectId: string;
  /** The calling API key, or null for the local operator (`--offline` CLI). */
  keyId: string | null;
  scopes: readonly Scope[];
  /** Set when the key (or session) acts for one end user only: it sees and uses nothing of any other user. */
  userId?: string | undefined;
}

/** `admin` holds every scope and reaches every project; the others act inside their own project. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) {
    throw new SwitchboardError('FORBIDDEN', `This API key lacks the "${scope}" scope needed here. Use a key that has it, or create one with it.`, {
      required_scope: scope,
      key_scopes: [...principal.scopes],
    });
  }
}

/**
 * The end user a call acts for: the one requested, which a user-bound principal may only name as
 * itself. A user-bound principal may leave it out.
 */
export function actingUser(principal: Principal, requested: string | undefined): string {
  if (principal.userId) {
    if (requested !== undefined && requested !== principal.userId) {
      throw new SwitchboardError('FORBIDDEN', `This key acts for one end user only and cannot act for user ${requested}.`, { user_id: requested });
    }
    return principal.userId;
  }
  if (requested === undefined)
    throw new SwitchboardError('VALIDATION_FAILED', 'user_id is required: name the end user this call acts for.', { field: 'user_id' });
  return requested;
}

/** Whether a record of `userId` is visible to the principal (a user-bound one sees only its own user's). */
export function seesUser(principal: Principal, userId: string): boolean {
  return !principal.userId || principal.userId === userId;
}

export function isInstanceAdmin(principal: Principal): boolean {
  return principal.scopes.includes('admin');
}

/** Resolves the project a call acts on: the key's own, or another one for an admin key. */
export function targetProject(principal: Principal, requested: string | undefined): string {
  if (!requested || requested === principal.projectId) return principal.projectId;
  if (!isInstanceAdmin(principal)) {
    throw new SwitchboardError('NOT_FOUND', `Project ${requested} was not found.`, { project_id: requested });
  }
  return requested;
}
