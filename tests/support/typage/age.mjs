// The age authors' TypeScript implementation (npm age-encryption, "typage") as a small command line,
// for tests: an independent second implementation of age v1.3 and its mlkem768x25519 recipients.
//
//   node age.mjs decrypt IDENTITY_FILE IN OUT    (identity file as age-keygen writes it)
//   node age.mjs encrypt RECIPIENT IN OUT
//   node age.mjs keygen                          (prints a post-quantum identity, then its recipient)
import { readFileSync, writeFileSync } from "node:fs";
import * as age from "age-encryption";

const [command, ...args] = process.argv.slice(2);
if (command === "decrypt") {
  const [identityFile, input, output] = args;
  const decrypter = new age.Decrypter();
  for (const line of readFileSync(identityFile, "utf8").split("\n")) {
    if (line.startsWith("AGE-SECRET-KEY-")) decrypter.addIdentity(line.trim());
  }
  writeFileSync(output, await decrypter.decrypt(readFileSync(input), "uint8array"));
} else if (command === "encrypt") {
  const [recipient, input, output] = args;
  const encrypter = new age.Encrypter();
  encrypter.addRecipient(recipient);
  writeFileSync(output, await encrypter.encrypt(readFileSync(input)));
} else if (command === "keygen") {
  const identity = await age.generateHybridIdentity();
  console.log(identity);
  console.log(await age.identityToRecipient(identity));
} else {
  console.error("usage: age.mjs decrypt IDENTITY_FILE IN OUT | encrypt RECIPIENT IN OUT | keygen");
  process.exit(2);
}
