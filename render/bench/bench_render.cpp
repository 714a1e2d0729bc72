// Re-rendering the three buffers after a slider change: upload a new pose,
// draw, read back (CLI / dataset path) and draw only (the preview widget's
// path), OpenGL against the CPU reference, on a FLAME-sized mesh.
//   bench_render [--size 256] [--iterations 200] [--rings 70 --segments 72]
#include "render/cpu_rasterizer.h"
#include "render/gl_buffer_renderer.h"
#include "render/headless_gl.h"
#include "render/light_rig.h"
#include "render/synthetic_mesh.h"

#include <GL/gl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Median milliseconds of `iterations` runs after 5 warm-up runs.
double median_ms(int iterations, const std::function<void(int)>& run) {
  for (int i = 0; i < 5; ++i)
    run(i);
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto start = Clock::now();
    run(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::nth_element(ms.begin(), ms.begin() + long(ms.size() / 2), ms.end());
  return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  int size = 256, iterations = 200, rings = 70, segments = 72;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--size")
      size = value;
    else if (flag == "--iterations")
      iterations = std::max(1, value);
    else if (flag == "--rings")
      rings = value;
    else if (flag == "--segments")
      segments = value;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  using namespace drig::render;
  // Two poses alternate so every iteration uploads new vertices.
  const SyntheticHead a = synthetic_head(rings, segments, 0.7f, -10),
                      b = synthetic_head(rings, segments, 0.7f, 12);
  const AlbedoMap albedo = synthetic_albedo(256);
  const ShLight light = directional_to_sh({30, 20, 1.0, {1, 0.9, 0.8}, 0.3});
  std::printf("mesh: %d vertices, %d triangles, %dx%d, %d iterations\n", a.topology.num_vertices,
              a.topology.num_faces(), size, size, iterations);
  try {
    drig::HeadlessGlContext context;
    GlBufferRenderer gl;
    gl.set_topology(a.topology);
    gl.set_albedo(albedo);
    gl.set_light(light);
    const double full =
        median_ms(iterations, [&](int i) { gl.render(i % 2 ? b.pose : a.pose, size, size); });
    const double draw_only = median_ms(iterations, [&](int i) {
      gl.set_pose(i % 2 ? b.pose : a.pose);
      gl.draw(size, size);
      glFinish();
    });
    std::printf("OpenGL (%s): pose+draw+read back %.3f ms, pose+draw %.3f ms (median)\n",
                context.info().gl_renderer.c_str(), full, draw_only);
    const double cpu = median_ms(std::max(1, iterations / 10), [&](int i) {
      render_cpu(a.topology, i % 2 ? b.pose : a.pose, albedo, light, size, size);
    });
    CpuRasterizer banded;
    Buffers reused;
    const double fast = median_ms(iterations, [&](int i) {
      banded.render(a.topology, i % 2 ? b.pose : a.pose, albedo, light, size, size, reused);
    });
    std::printf("CPU reference rasterizer: one thread %.3f ms, banded on all cores with reused "
                "buffers %.3f ms (median)\n",
                cpu, fast);
    std::printf("ratios: OpenGL full / banded CPU = %.2f, one-thread CPU / banded CPU = %.2f\n",
                full / fast, cpu / fast);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_render: %s\n", e.what());
    return 1;
  }
  return 0;
}
