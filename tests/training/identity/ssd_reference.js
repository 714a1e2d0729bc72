// face-api's own SSD MobileNet v1 run (TensorFlow.js, CPU backend), for
// ssd_detector_test: prints the raw outputs and the detections of each raw
// RGB image as JSON.
//   node ssd_reference.js MODELS_DIR IMAGE.rgb WIDTH HEIGHT [...]
// Needs @vladmandic/face-api, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm
// on NODE_PATH (packaging/bootstrap.sh test installs them).
const fs = require('fs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const tf = faceapi.tf;

async function main() {
  const [modelsDir, ...images] = process.argv.slice(2);
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelsDir);
  const results = [];
  for (let i = 0; i + 2 < images.length; i += 3) {
    const [file, width, height] = [images[i], Number(images[i + 1]), Number(images[i + 2])];
    const pixels = new Int32Array(fs.readFileSync(file));
    const image = tf.tensor3d(pixels, [height, width, 3], 'int32');
    const raw = await faceapi.nets.ssdMobilenetv1.forward(image);
    const faces = await faceapi.nets.ssdMobilenetv1.locateFaces(image, { minConfidence: 0.5 });
    results.push({
      boxes: raw.boxes[0].arraySync(),
      scores: Array.from(raw.scores[0].dataSync()),
      faces: faces.map((f) => ({
        left: f.box.left, top: f.box.top, right: f.box.right, bottom: f.box.bottom, score: f.score,
      })),
    });
    image.dispose();
  }
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), results }));
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
