import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request filter on plain Node requests: it calls `next` to pass the request on. express takes it
 * as middleware too, and the core API's direct path (server.ts) runs the same filters without express.
 */
export type Filter = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
