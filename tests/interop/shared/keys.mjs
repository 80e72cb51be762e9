// Key pairs for the interop servers, as KeyObjects that share nothing with the job that
// generated them.
//
// Node 20 can deadlock when a key from `generateKeyPairSync` is exported (`export()` as JWK,
// PEM or DER): the export holds the key's mutex while it allocates, an allocation can start a
// garbage collection, and the collection may finalise the key-generation job, whose destructor
// takes the same mutex. The process then hangs for good. It was seen once in a few hundred
// server starts, and within seconds in a loop of generate-and-export. Here the job encodes
// both keys as DER while it is still alive, and fresh KeyObjects are parsed from those bytes.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";

// `generateKeyPairSync(type, options)`, returning `{ publicKey, privateKey }` KeyObjects that
// are safe to export.
export function generateDetachedKeyPair(type, options = {}) {
  const { publicKey, privateKey } = generateKeyPairSync(type, {
    ...options,
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "der" },
  });
  return {
    publicKey: createPublicKey({ key: publicKey, type: "spki", format: "der" }),
    privateKey: createPrivateKey({ key: privateKey, type: "pkcs8", format: "der" }),
  };
}
