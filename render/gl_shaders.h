#pragma once

namespace drig::render::shaders {

// The buffer pass: rasterizes the mesh into (normal, alpha), (albedo, face
// id) and (rendered) float targets.
extern const char* const kBufferVertex;
extern const char* const kBufferFragment;
// The preview pass: one full-viewport triangle showing a chosen target.
extern const char* const kPresentVertex;
extern const char* const kPresentFragment;

} // namespace drig::render::shaders
