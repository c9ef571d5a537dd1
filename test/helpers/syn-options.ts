/** The first SYN's options of each client stack, for tests of stack inference. */

/** SYN options as each stack sends them (p0f's signatures), annotated per option. */
export const SYN_OPTIONS = {
  // MSS 1460 | NOP | window scale 8 | NOP | NOP | SACK permitted
  windows: Buffer.from([2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2]),
  // MSS 1460 | SACK permitted | timestamps | NOP | window scale 7
  linux: Buffer.from([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]),
  // MSS 1460 | NOP | window scale 6 | NOP | NOP | timestamps | SACK permitted | EOL | EOL
  apple: Buffer.from([2, 4, 5, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 4, 2, 0, 0]),
};
