#include "render/gl_shaders.h"

namespace drig::render::shaders {

// Positions arrive in image NDC with y down (DECA's render_orig space); GL's
// window row 0 is y = -1, so reading rows back in order gives the image top
// first, as the original's buffers are stored. GL only decides which
// triangle a pixel sees: rasterizers snap vertices to a sub-pixel grid, so
// the fragment shader recomputes the barycentrics from the exact corners.
const char* const kBufferVertex = R"(#version 330 core
layout(location = 0) in vec3 a_position;
uniform vec2 u_depth; // z_ndc = (z - u_depth.x) * u_depth.y keeps the mesh inside the clip range
void main() {
  gl_Position = vec4(a_position.xy, (a_position.z - u_depth.x) * u_depth.y, 1.0);
}
)";

// Per triangle corner, two texels of u_corners: (x, y, z, nx), (ny, nz, gx, gy)
// with g the UV-grid coordinate. Barycentrics are pytorch3d's edge functions
// over (area + 1e-8) at the pixel centre; grid_sample (bilinear, zero
// padding, align_corners=False) is done by hand with texelFetch because GL's
// own filtering may use fixed-point weights.
const char* const kBufferFragment = R"(#version 330 core
uniform samplerBuffer u_corners;
uniform sampler2D u_albedo;
uniform vec3 u_light[9];
uniform float u_sh[9];
uniform vec2 u_size;
// Three targets, packed: (normal, alpha), (albedo, face id), (rendered, 0).
// Face ids are exact in float up to 2^24 triangles.
layout(location = 0) out vec4 o_normal;
layout(location = 1) out vec4 o_albedo;
layout(location = 2) out vec4 o_rendered;
float edge(vec2 p, vec2 a, vec2 b) { return (p.x - a.x) * (b.y - a.y) - (p.y - a.y) * (b.x - a.x); }
vec3 texel(ivec2 p, ivec2 size) {
  if (p.x < 0 || p.y < 0 || p.x >= size.x || p.y >= size.y) return vec3(0.0);
  return texelFetch(u_albedo, p, 0).rgb;
}
void main() {
  int base = gl_PrimitiveID * 6;
  vec4 a0 = texelFetch(u_corners, base), b0 = texelFetch(u_corners, base + 1);
  vec4 a1 = texelFetch(u_corners, base + 2), b1 = texelFetch(u_corners, base + 3);
  vec4 a2 = texelFetch(u_corners, base + 4), b2 = texelFetch(u_corners, base + 5);
  vec2 pixel = (2.0 * floor(gl_FragCoord.xy) + 1.0) / u_size - 1.0;
  float area = edge(a2.xy, a0.xy, a1.xy) + 1e-8;
  vec3 w = vec3(edge(pixel, a1.xy, a2.xy), edge(pixel, a2.xy, a0.xy), edge(pixel, a0.xy, a1.xy)) / area;
  vec3 n = w.x * vec3(a0.w, b0.xy) + w.y * vec3(a1.w, b1.xy) + w.z * vec3(a2.w, b2.xy);
  vec2 grid = w.x * b0.zw + w.y * b1.zw + w.z * b2.zw;

  ivec2 size = textureSize(u_albedo, 0);
  vec2 pos = ((grid + 1.0) * vec2(size) - 1.0) * 0.5;
  vec2 cell = floor(pos);
  vec2 t = pos - cell;
  ivec2 p = ivec2(cell);
  vec3 albedo = (1.0 - t.x) * (1.0 - t.y) * texel(p, size) +
                t.x * (1.0 - t.y) * texel(p + ivec2(1, 0), size) +
                (1.0 - t.x) * t.y * texel(p + ivec2(0, 1), size) +
                t.x * t.y * texel(p + ivec2(1, 1), size);
  float basis[9] = float[9](1.0, n.x, n.y, n.z, n.x * n.y, n.x * n.z, n.y * n.z,
                            n.x * n.x - n.y * n.y, 3.0 * (n.z * n.z) - 1.0);
  vec3 shading = vec3(0.0);
  for (int k = 0; k < 9; ++k) shading += u_light[k] * (basis[k] * u_sh[k]);
  o_normal = vec4(n, 1.0);
  o_albedo = vec4(albedo, float(gl_PrimitiveID));
  o_rendered = vec4(albedo * shading, 0.0);
}
)";

const char* const kPresentVertex = R"(#version 330 core
out vec2 v_uv;
void main() {
  vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  v_uv = corner;
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
)";

// u_view: 0 rendered, 1 normal, 2 albedo, 3 shaded, 4 alpha. The image's row
// 0 is texture row 0, so the screen's top samples t = 0.
const char* const kPresentFragment = R"(#version 330 core
in vec2 v_uv;
uniform sampler2D u_normal;
uniform sampler2D u_albedo;
uniform sampler2D u_rendered;
uniform int u_view;
out vec4 o_colour;
void main() {
  vec2 uv = vec2(v_uv.x, 1.0 - v_uv.y);
  vec4 normal = texture(u_normal, uv);
  vec3 c;
  if (u_view == 0) c = texture(u_rendered, uv).rgb;
  else if (u_view == 1) c = (normal.xyz + 1.0) * 0.5;
  else if (u_view == 2) c = texture(u_albedo, uv).rgb;
  else if (u_view == 3) {
    vec3 l = normalize(vec3(0.3, 0.4, 1.0));
    float lit = 0.25 + 0.7 * max(0.0, dot(normalize(normal.xyz + vec3(1e-6)), l));
    c = mix(vec3(0.12), vec3(0.85 * lit), normal.w);
  } else c = vec3(normal.w);
  o_colour = vec4(clamp(c, 0.0, 1.0), 1.0);
}
)";

} // namespace drig::render::shaders
