#pragma once

// Between the torch side (FLAME, DECA codes, datasets) and the renderer's
// plain arrays.
#include "model/face/obj_mesh.h"
#include "render/render_types.h"

#include <ATen/core/Tensor.h>

namespace drig::rendering {

render::MeshTopology topology_from_obj(const face::ObjMesh& mesh);
// positions, normals (V,3) or (1,V,3), any float type and device.
render::MeshPose pose_from_tensors(const at::Tensor& positions, const at::Tensor& normals);
// (3,S,S) or (1,3,S,S).
render::AlbedoMap albedo_from_tensor(const at::Tensor& albedo);
// (9,3) or (1,9,3).
render::ShLight light_from_tensor(const at::Tensor& light);
at::Tensor light_to_tensor(const render::ShLight& light); // (1,9,3)

// (9,H,W) float32 in DiffusionRig's order: rendered | normal | albedo.
at::Tensor physical_condition(const render::Buffers& buffers);
at::Tensor alpha_tensor(const render::Buffers& buffers);   // (1,H,W)
at::Tensor face_id_tensor(const render::Buffers& buffers); // (H,W) int64

} // namespace drig::rendering
