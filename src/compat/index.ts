/** Compatibility layers that translate other tool routers' APIs onto Switchboard's services. */
export * from './composio/index.js';
