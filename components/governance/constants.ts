/** Page sizes the server render and the live client queries share (plain module: server components import it). */
export const OPERATORS_SHOWN = 100;
export const PROPOSALS_SHOWN = 50;
