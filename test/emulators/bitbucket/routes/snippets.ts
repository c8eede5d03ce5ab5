import { requireSnippet } from '../access.js';
import { optionalContent, optionalObject, requireObjectBody } from '../body.js';
import { buildMultipart, contentTypeFor, fileBody, type MultipartPart } from '../content.js';
import { badRequest, notFound } from '../errors.js';
import type { Comment, Snippet } from '../model.js';
import { listPage } from '../pagination.js';
import { renderSnippet, renderSnippetComment, snippetScalars } from '../render.js';
import { type ApiReply, type ApiRequest, jsonReply, type Route } from '../routing.js';

const snippetRead = { oauthScope: 'snippet', tokenScopes: ['read:snippet:bitbucket'] };
const snippetFormats = ['application/json', 'multipart/related', 'multipart/form-data'] as const;
type SnippetFormat = (typeof snippetFormats)[number];

/** Snippets: the snippet itself (JSON or multipart), its files and its comments. */
export const snippetRoutes: Route[] = [
  {
    method: 'GET',
    path: '/snippets/{workspace}/{encoded_id}',
    ...snippetRead,
    handle(request) {
      const snippet = requireSnippet(request);
      const format = negotiate(request.headers.accept);
      if (format === 'multipart/related') return multipartRelated(request, snippet);
      if (format === 'multipart/form-data') return multipartFormData(snippet);
      return jsonReply(200, renderSnippet(request, snippet));
    },
  },
  {
    method: 'GET',
    path: '/snippets/{workspace}/{encoded_id}/files/{path}',
    ...snippetRead,
    handle(request) {
      const snippet = requireSnippet(request);
      const path = request.params.path!;
      if (!snippet.files.has(path)) throw notFound(`File ${path} not found in snippet ${snippet.encodedId}`);
      const location = `${request.apiBase}/snippets/${snippet.workspace}/${snippet.encodedId}/${snippet.revision}/files/${encodeURIComponent(path)}`;
      return { status: 302, headers: { Location: location } };
    },
  },
  {
    method: 'GET',
    path: '/snippets/{workspace}/{encoded_id}/{node_id}/files/{path}',
    ...snippetRead,
    handle(request) {
      const snippet = requireSnippet(request);
      const { node_id: revision, path } = request.params as { node_id: string; path: string };
      const content = revision.length >= 7 && snippet.revision.startsWith(revision) ? snippet.files.get(path) : undefined;
      if (!content) throw notFound(`File ${path} not found at revision ${revision} of snippet ${snippet.encodedId}`);
      return { status: 200, body: content, contentType: contentTypeFor(path), headers: { 'Content-Disposition': `attachment; filename="${path}"` } };
    },
  },
  {
    method: 'GET',
    path: '/snippets/{workspace}/{encoded_id}/comments',
    ...snippetRead,
    handle(request) {
      const snippet = requireSnippet(request);
      const comments = snippet.comments.map((comment) => renderSnippetComment(request, snippet, comment));
      return jsonReply(200, listPage(comments, request.url));
    },
  },
  {
    method: 'POST',
    path: '/snippets/{workspace}/{encoded_id}/comments',
    oauthScope: 'snippet',
    tokenScopes: ['read:snippet:bitbucket', 'write:snippet:bitbucket'],
    handle(request) {
      const snippet = requireSnippet(request);
      const body = requireObjectBody(request.body);
      const content = optionalContent(body);
      if (!content || content.raw.trim() === '') throw badRequest('This field is required.', 'content.raw');
      const comment: Comment = {
        id: request.state.nextCommentId(),
        content,
        authorUuid: request.account.uuid,
        parentId: parentIdOf(snippet, optionalObject(body, 'parent')),
        createdOn: request.state.now(),
        updatedOn: null,
      };
      snippet.comments.push(comment);
      const rendered = renderSnippetComment(request, snippet, comment);
      return jsonReply(201, rendered, { Location: (rendered.links as { self: { href: string } }).self.href });
    },
  },
];

/** The first supported type the Accept header names; JSON when it names none (or is absent or `*\/*`). */
function negotiate(accept: string | undefined): SnippetFormat {
  const requested = (accept ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  return requested.map((type) => snippetFormats.find((format) => format === type)).find((format) => format !== undefined) ?? 'application/json';
}

function parentIdOf(snippet: Snippet, parent: Record<string, unknown> | undefined): number | null {
  if (!parent) return null;
  const id = parent.id;
  if (typeof id !== 'number' || !snippet.comments.some((comment) => comment.id === id))
    throw badRequest(`No comment ${JSON.stringify(id)} on this snippet`, 'parent.id');
  return id;
}

/** The whole snippet in one response: the JSON document (Content-ID `snippet`), then one part per file. */
function multipartRelated(request: ApiRequest, snippet: Snippet): ApiReply {
  const parts: MultipartPart[] = [
    {
      headers: { 'Content-Type': 'application/json; charset="utf-8"', 'MIME-Version': '1.0', 'Content-ID': 'snippet' },
      body: JSON.stringify(renderSnippet(request, snippet), null, 2),
    },
    ...[...snippet.files].map(([name, content]) => {
      const { body, transferEncoding } = fileBody(content);
      return {
        headers: {
          'Content-Type': contentTypeFor(name),
          'MIME-Version': '1.0',
          'Content-Transfer-Encoding': transferEncoding,
          'Content-ID': `"${name}"`,
          'Content-Disposition': `attachment; filename="${name}"`,
        },
        body,
      };
    }),
  ];
  const { boundary, body } = buildMultipart(parts);
  return { status: 200, body, contentType: `multipart/related; start="snippet"; boundary="${boundary}"`, headers: { 'MIME-Version': '1.0' } };
}

/**
 * The flat form-data variant: root-level scalar properties as fields, files as `file` parts. Parts use
 * `Content-Disposition: form-data` (RFC 7578) so standard parsers read them; the spec's prose example shows
 * `attachment` for the file parts.
 */
function multipartFormData(snippet: Snippet): ApiReply {
  const fields: MultipartPart[] = Object.entries(snippetScalars(snippet)).map(([name, value]) => ({
    headers: { 'Content-Disposition': `form-data; name="${name}"`, 'Content-Type': 'text/plain; charset="utf-8"' },
    body: String(value),
  }));
  const files: MultipartPart[] = [...snippet.files].map(([name, content]) => ({
    headers: { 'Content-Disposition': `form-data; name="file"; filename="${name}"`, 'Content-Type': contentTypeFor(name) },
    body: content,
  }));
  const { boundary, body } = buildMultipart([...fields, ...files]);
  return { status: 200, body, contentType: `multipart/form-data; boundary=${boundary}` };
}
