// face-api's own networks run by TensorFlow.js (CPU backend), for the tests
// that check our LibTorch ports: prints each image's outputs as JSON.
//   node face_api_reference.js MODELS_DIR NET IMAGE WIDTH HEIGHT [IMAGE WIDTH HEIGHT ...]
// NET: ssd (IMAGE: raw 8-bit RGB; raw outputs and detections),
//      descriptor | expression | landmarks (IMAGE: raw float32 RGB, 0..255;
//      the 128-d descriptor, the 7 probabilities or the 68 points as
//      fractions of the square input, x0, y0, x1, ...).
// Needs @vladmandic/face-api, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm
// on NODE_PATH (packaging/bootstrap.sh test installs them).
const fs = require('fs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const tf = faceapi.tf;

const nets = {
  ssd: faceapi.nets.ssdMobilenetv1,
  descriptor: faceapi.nets.faceRecognitionNet,
  expression: faceapi.nets.faceExpressionNet,
  landmarks: faceapi.nets.faceLandmark68Net,
};

function readImage(file, width, height, net) {
  const bytes = fs.readFileSync(file);
  if (net === 'ssd') return tf.tensor3d(new Int32Array(bytes), [height, width, 3], 'int32');
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return tf.tensor3d(floats, [height, width, 3], 'float32');
}

async function run(net, image) {
  if (net === 'descriptor') {
    return { descriptor: Array.from(await nets.descriptor.computeFaceDescriptor(image)) };
  }
  if (net === 'landmarks') {
    const out = await nets.landmarks.forward(image);
    return { points: Array.from(out.dataSync()) };
  }
  if (net === 'expression') {
    const out = await nets.expression.forward(image);
    return { probabilities: Array.from(out.dataSync()) };
  }
  const raw = await nets.ssd.forward(image);
  const faces = await nets.ssd.locateFaces(image, { minConfidence: 0.5 });
  return {
    boxes: raw.boxes[0].arraySync(),
    scores: Array.from(raw.scores[0].dataSync()),
    faces: faces.map((f) => ({
      left: f.box.left, top: f.box.top, right: f.box.right, bottom: f.box.bottom, score: f.score,
    })),
  };
}

async function main() {
  const [modelsDir, net, ...images] = process.argv.slice(2);
  if (!nets[net]) throw new Error(`unknown network '${net}' (ssd, descriptor, expression, landmarks)`);
  await tf.setBackend('cpu');
  await tf.ready();
  await nets[net].loadFromDisk(modelsDir);
  const results = [];
  for (let i = 0; i + 2 < images.length; i += 3) {
    const image = readImage(images[i], Number(images[i + 1]), Number(images[i + 2]), net);
    results.push(await run(net, image));
    image.dispose();
  }
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), results }));
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
