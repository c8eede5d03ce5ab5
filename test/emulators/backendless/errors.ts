/**
 * Backendless error bodies are `{"code": <int>, "message": "<text>"}` (docs `shared_error_handling.html`).
 * The REST docs do not pin HTTP statuses, so the emulator uses a fixed, documented mapping:
 *
 * | HTTP | code | when |
 * |---|---|---|
 * | 401 | 2002 | wrong application id or REST API key in the path (also the console path's app id) |
 * | 401 | 3003 | invalid login or password (user login and console login) |
 * | 400 | 3006 | empty login or password |
 * | 400 | 3018 | update would duplicate another user's identity (email) |
 * | 401 | 3023 | logout without a valid `user-token` |
 * | 401 | 3028 | user update without `user-token` (not logged in) |
 * | 400 | 3033 | registration of an existing user |
 * | 400 | 3040 | email address in a wrong format |
 * | 401 | 3064 | unknown or expired `user-token`; also a missing/wrong console `auth-key` |
 * | 401 | 3090 | login of a disabled account |
 * | 404 | 3020 | password recovery for an unknown identity |
 * | 403 | 4000 | no permission (updating another user's record) |
 * | 404 | 1000 | data object (or user) not found by id |
 * | 404 | 1009 | data table not found |
 * | 400 | 1017 | invalid data query (where, having, props, sortBy, pageSize, offset, …) |
 * | 404 | 6000 | file or directory not found |
 * | 400 | 6006 | prohibited characters in a path, or a directory copied/moved into itself |
 * | 404 | 6007 | resource not found (permission target, hive, message, timer) |
 * | 400 | 6018 | target exists (file, directory, hive, timer) |
 * | 400 | 8002 | malformed JSON body |
 * | 400 | 8010 | missing or invalid field / parameter |
 * | 400 | 8011 | non-empty body without `Content-Type: application/json` |
 * | 404 | 404  | unknown route |
 * | 500 | 1    | emulator bug (never expected) |
 */
export class BackendlessError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  toBody(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

export const wrongAppInfo = () => new BackendlessError(401, 2002, 'Version is disabled or provided wrong application info (application id or secret key)');
export const invalidLogin = () => new BackendlessError(401, 3003, 'Invalid login or password.');
export const emptyLogin = () => new BackendlessError(400, 3006, 'Either login or password is an empty string value.');
export const duplicateIdentity = (identity: string) => new BackendlessError(400, 3018, `User with the same identity already exists: ${identity}`);
export const logoutError = () => new BackendlessError(401, 3023, 'General error while executing logout. User token is missing or not valid.');
export const notLoggedIn = () => new BackendlessError(401, 3028, 'User is not logged in.');
export const userExists = (identity: string) => new BackendlessError(400, 3033, `User already exists: ${identity}`);
export const wrongEmailFormat = (email: string) => new BackendlessError(400, 3040, `Email address is in wrong format: ${email}`);
export const invalidUserToken = () => new BackendlessError(401, 3064, 'Not existing user token - invalid or expired session.');
export const invalidAuthKey = () => new BackendlessError(401, 3064, "Not existing auth key: send the console 'auth-key' header.");
export const disabledAccount = () => new BackendlessError(401, 3090, 'User account is disabled.');
export const unknownIdentity = (identity: string) => new BackendlessError(404, 3020, `Unable to find user with identity: ${identity}`);
export const noPermission = (what: string) => new BackendlessError(403, 4000, `User has no permission to ${what}.`);
export const objectNotFound = (table: string, id: string) => new BackendlessError(404, 1000, `Entity with the specified ID cannot be found: ${table} ${id}`);
export const tableNotFound = (table: string) => new BackendlessError(404, 1009, `Table not found by name '${table}'.`);
export const invalidQuery = (detail: string) => new BackendlessError(400, 1017, `Invalid query: ${detail}`);
export const fileNotFound = (path: string) => new BackendlessError(404, 6000, `File or directory not found: /${path}`);
export const prohibitedPath = (detail: string) => new BackendlessError(400, 6006, detail);
export const resourceNotFound = (what: string) => new BackendlessError(404, 6007, `Resource not found: ${what}`);
export const targetExists = (what: string) => new BackendlessError(400, 6018, `Target already exists: ${what}`);
export const malformedJson = (detail: string) => new BackendlessError(400, 8002, `Could not parse request with message: ${detail}`);
export const missingField = (detail: string) => new BackendlessError(400, 8010, detail);
export const wrongContentType = () => new BackendlessError(400, 8011, "Content type must be 'application/json'.");
export const unknownRoute = (method: string, path: string) => new BackendlessError(404, 404, `Unknown route: ${method} ${path}`);
