// Runs an ONNX model in onnxruntime (onnxruntime-node, CPU) on raw input.
//
//   node run_ort.js MODEL.onnx INPUT.f32 N,C,H,W OUTPUT.f32
//
// INPUT.f32 holds N*C*H*W float32 values, little-endian, row-major: the
// tensor fed to the model's first input. The model's first output is
// written to OUTPUT.f32 the same way, and one JSON line goes to stdout:
// {"input": name, "output": name, "dims": [...], "ort": version}.
// Failures print one line to stderr and exit 1.
"use strict";

const fs = require("fs");
const ort = require("onnxruntime-node");

async function main(argv) {
  if (argv.length !== 4) {
    throw new Error("usage: node run_ort.js MODEL.onnx INPUT.f32 N,C,H,W OUTPUT.f32");
  }
  const [model, inputPath, shapeText, outputPath] = argv;
  const dims = shapeText.split(",").map((s) => {
    const d = Number(s);
    if (!Number.isInteger(d) || d < 1) throw new Error(`bad dimension ${JSON.stringify(s)} in ${shapeText}`);
    return d;
  });
  const bytes = fs.readFileSync(inputPath);
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== 4 * count) {
    throw new Error(`${inputPath}: ${bytes.length} bytes, want ${4 * count} for ${shapeText} float32 values`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(4 * i);
  const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", data, dims) };
  const out = (await session.run(feeds))[session.outputNames[0]];
  const buf = Buffer.alloc(4 * out.data.length);
  for (let i = 0; i < out.data.length; i++) buf.writeFloatLE(out.data[i], 4 * i);
  fs.writeFileSync(outputPath, buf);
  console.log(JSON.stringify({ input: session.inputNames[0], output: session.outputNames[0], dims: out.dims, ort: ort.env.versions.common }));
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`run_ort.js: ${e.message.split("\n")[0]}`);
  process.exit(1);
});
