// The `secp256k1` package's addon with its argument checks (lib/index.js); only what lib/chain/secp256k1.ts calls.
declare module "secp256k1/bindings" {
  const binding: {
    ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: false): Uint8Array;
  };
  export default binding;
}
