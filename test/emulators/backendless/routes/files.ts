/**
 * File service (docs `file_*`, B.1). Paths are relative to the storage root; leading slashes are tolerated.
 * - Listing items are `{name, url, publicUrl, size, createdOn}`: `url` is the path from the root without a leading
 *   slash, `publicUrl` the absolute `${baseUrl}/files/…` URL (which downloads the file), directories have `size: 0`.
 * - Copy/move put the source *into* `targetPath` (a directory, created if missing) and return "/target/name".
 * - Creating an existing directory is 6018; a GET on a file downloads it.
 */

import { fileNotFound, missingField, prohibitedPath, resourceNotFound, targetExists } from '../errors.js';
import { baseName, type FileEntry, isInside, joinPath, parentOf } from '../file-store.js';
import { boolParam, empty, intParam, json, objectBody, type Reply, requiredString } from '../http.js';
import { globToRegExp } from '../patterns.js';
import type { Route, RouteContext } from '../router.js';
import type { GrantType } from '../state.js';

const PROHIBITED = /['"<>%\\]/;

/** Validates path segments (6006 for `.`, `..` and `' " < > % \`) and joins them. */
export function checkedPath(segments: string[]): string {
  const parts = segments.filter((segment) => segment !== '');
  for (const part of parts) {
    if (part === '.' || part === '..' || PROHIBITED.test(part)) {
      throw prohibitedPath(`Path contains prohibited characters or names (./ ../ . .. ' " < > %): '${part}'`);
    }
  }
  return parts.join('/');
}

const pathOf = (text: string): string => checkedPath(text.split('/'));

const CONTENT_TYPES: Record<string, string> = {
  txt: 'text/plain',
  json: 'application/json',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  csv: 'text/csv',
  xml: 'application/xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
};

function contentTypeOf(path: string): string {
  const extension = path.includes('.') ? path.slice(path.lastIndexOf('.') + 1).toLowerCase() : '';
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}

export function publicUrl(ctx: RouteContext, path: string): string {
  return `${ctx.env.baseUrl}/files/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function listingItem(ctx: RouteContext, entry: FileEntry) {
  return { name: baseName(entry.path), url: entry.path, publicUrl: publicUrl(ctx, entry.path), size: entry.content.length, createdOn: entry.createdOn };
}

/** `glob:` (default) or `regex:` patterns, matched against the entry name. */
function namePattern(raw: string | null): RegExp {
  if (raw === null || raw === '') return /^/;
  if (raw.startsWith('regex:')) {
    try {
      return new RegExp(`^(?:${raw.slice('regex:'.length)})$`);
    } catch {
      throw missingField(`Invalid regular expression in pattern '${raw}'.`);
    }
  }
  return globToRegExp(raw.startsWith('glob:') ? raw.slice('glob:'.length) : raw);
}

function getFiles(ctx: RouteContext): Reply {
  const path = checkedPath(ctx.rest);
  const entry = ctx.state.files.get(path);
  const action = ctx.query.get('action');
  if (action === 'exists') return json(entry !== undefined);
  if (!entry) throw fileNotFound(path);
  if (action !== null && action !== 'count') throw missingField(`Unknown action '${action}' (use count or exists).`);
  if (entry.kind === 'file') {
    if (action === 'count') throw missingField(`/${path} is a file, not a directory.`);
    return { raw: { contentType: contentTypeOf(path), data: entry.content } };
  }
  const pattern = namePattern(ctx.query.get('pattern'));
  const matches = ctx.state.files.children(path, boolParam(ctx.query, 'sub')).filter((child) => pattern.test(baseName(child.path)));
  if (action === 'count') {
    const countDirectories = boolParam(ctx.query, 'countDirectories');
    return json(matches.filter((child) => child.kind === 'file' || countDirectories).length);
  }
  const pageSize = intParam(ctx.query, 'pagesize') ?? 100;
  const offset = intParam(ctx.query, 'offset') ?? 0;
  if (pageSize < 1 || offset < 0) throw missingField("Parameters 'pagesize' must be ≥ 1 and 'offset' ≥ 0.");
  return json(matches.slice(offset, offset + pageSize).map((child) => listingItem(ctx, child)));
}

function createDirectory(ctx: RouteContext): Reply {
  if (ctx.body !== undefined) throw missingField('File upload is not emulated; seed files with state.putFile(path, content).');
  const path = checkedPath(ctx.rest);
  if (path === '') throw missingField('Directory path is required.');
  if (ctx.state.files.get(path)) throw targetExists(`/${path}`);
  ctx.state.files.mkdirs(path);
  return empty();
}

function deletePath(ctx: RouteContext): Reply {
  const path = checkedPath(ctx.rest);
  if (path === '') throw missingField('Refusing to delete the root directory; give a path.');
  if (ctx.state.files.remove(path) === 0) throw fileNotFound(path);
  return empty();
}

/** Shared by copy and move: source must exist, the item lands in `targetPath` under its own name. */
function transfer(ctx: RouteContext, operation: 'copy' | 'move'): Reply {
  const body = objectBody(ctx.body);
  const source = pathOf(requiredString(body, 'sourcePath'));
  const targetDir = pathOf(requiredString(body, 'targetPath'));
  const entry = source === '' ? undefined : ctx.state.files.get(source);
  if (!entry) throw fileNotFound(source);
  if (entry.kind === 'directory' && isInside(targetDir, source)) throw prohibitedPath(`Cannot ${operation} /${source} into itself.`);
  if (ctx.state.files.get(targetDir)?.kind === 'file') throw targetExists(`/${targetDir} is a file`);
  const destination = joinPath(targetDir, baseName(source));
  if (ctx.state.files.get(destination)) throw targetExists(`/${destination}`);
  ctx.state.files.mkdirs(targetDir);
  if (operation === 'copy') ctx.state.files.copy(source, destination);
  else ctx.state.files.move(source, destination);
  return json(`/${destination}`);
}

function rename(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const source = pathOf(requiredString(body, 'oldPathName'));
  const newName = requiredString(body, 'newName');
  checkedPath([newName]);
  if (newName.includes('/')) throw prohibitedPath("'newName' must be a name, not a path.");
  if (source === '' || !ctx.state.files.get(source)) throw fileNotFound(source);
  const destination = joinPath(parentOf(source), newName);
  ctx.state.files.move(source, destination);
  return json(`/${destination}`);
}

const FILE_PERMISSIONS = ['READ', 'WRITE', 'DELETE', '*'];

function filePermission(ctx: RouteContext): Reply {
  const type = ctx.params.type!.toUpperCase();
  if (type !== 'GRANT' && type !== 'DENY') throw missingField(`Permission type must be GRANT or DENY, got '${ctx.params.type}'.`);
  const path = checkedPath(ctx.rest);
  if (!ctx.state.files.get(path)) throw fileNotFound(path);
  const body = objectBody(ctx.body);
  const permission = requiredString(body, 'permission').toUpperCase();
  if (!FILE_PERMISSIONS.includes(permission)) throw missingField(`Field 'permission' must be one of ${FILE_PERMISSIONS.join(', ')}.`);
  const user = typeof body.user === 'string' ? body.user : undefined;
  const role = typeof body.role === 'string' ? body.role : undefined;
  if ((user === undefined) === (role === undefined)) throw missingField("Give exactly one of 'user' or 'role'.");
  if (user !== undefined && user !== '*' && !ctx.state.findUser(user)) throw resourceNotFound(`user ${user}`);
  ctx.state.filePermissions.push({ path, type: type as GrantType, permission, ...(user ? { user } : { role }), at: ctx.state.now() });
  return empty();
}

export const fileRoutes: Route[] = [
  { method: 'PUT', pattern: '/files/copy', handler: (ctx) => transfer(ctx, 'copy') },
  { method: 'PUT', pattern: '/files/move', handler: (ctx) => transfer(ctx, 'move') },
  { method: 'PUT', pattern: '/files/rename', handler: rename },
  { method: 'PUT', pattern: '/files/permissions/:type/*', handler: filePermission },
  { method: 'GET', pattern: '/files/*', handler: getFiles },
  { method: 'POST', pattern: '/files/*', handler: createDirectory },
  { method: 'DELETE', pattern: '/files/*', handler: deletePath },
];
