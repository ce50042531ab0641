/** Rows in the home page's settlement feed (the server's first render and the client's refetches agree). */
export const FEED_SIZE = 10;
