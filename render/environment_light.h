#pragma once

// Light from the surroundings: an equirectangular panorama of radiance (or a
// background photo placed as the surroundings) projected onto the 9 SH bands
// per channel that DECA's shading uses, so that any environment becomes an
// ordinary 27-number light edit.
//
// Panorama convention (the Lighting sliders' own): the centre column is
// azimuth 0, the direction towards the camera (frontal light); azimuth grows
// towards the image's right edge (+180 there, -180 at the left); the top row
// is elevation +90 (straight above), the bottom row -90.
#include "render/render_types.h"

#include <array>
#include <vector>

namespace drig::render {

// Linear radiance, row-major RGB (buffer channel order), width = 2 * height
// for a full panorama (any size is accepted: rows always span 180 degrees
// of elevation and columns 360 of azimuth).
struct Environment {
  int width = 0, height = 0;
  std::vector<float> rgb; // width * height * 3
};

// The SH light whose DECA shading is the environment's irradiance E(n) (to
// 2nd order), the panorama turned by `rotation_deg` of azimuth first (a
// light at azimuth a in the file lights from a + rotation). Error when the
// panorama is empty or the sizes disagree.
ShLight environment_to_sh(const Environment& env, double rotation_deg = 0);

// How a background photo is placed around the subject. The photo is what
// the camera sees behind the subject, taken with a lens of `hfov_deg`
// across; beyond its edges its edge colours continue (top row up to the
// zenith, bottom row down to the ground); the half of the surroundings
// behind the camera is assumed to look like the photo mirrored, so a bright
// window on the photo's left lights the face from the left.
struct BackgroundPlacement {
  double hfov_deg = 60;
  int panorama_height = 128;
};

// rgb: linear radiance, row-major RGB, width x height.
Environment background_to_environment(const std::vector<float>& rgb, int width, int height,
                                      const BackgroundPlacement& placement = {});

// `light` scaled so that its DC irradiance has the luminance of
// `reference`'s (the photo's own exposure kept; colour and direction from
// `light`). Error when `light` is black; `light` as it is when the
// reference's DC luminance is not positive (no exposure to keep).
ShLight match_exposure(const ShLight& light, const ShLight& reference);

// Rec. 709 luminance of the light's DC term (what match_exposure keeps).
double dc_luminance(const ShLight& light);

} // namespace drig::render
