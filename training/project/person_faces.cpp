#include "training/project/person_faces.h"

#include "training/edit/identity_guard.h"

namespace drig::project {

bool have_person_model(const std::filesystem::path& models_dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(models_dir / identity::kDescriptorManifest, ec);
}

double same_person_threshold() {
  return identity::IdentityGuard::threshold();
}

PhotoDescriptors describe_photo_faces(const PhotoFaces& photos,
                                      const std::filesystem::path& models_dir,
                                      const JobContext& job) {
  const identity::IdentityGuard guard(models_dir);
  std::vector<std::filesystem::path> crops;
  for (const auto& [id, faces] : photos)
    crops.insert(crops.end(), faces.begin(), faces.end());
  const std::vector<std::vector<float>> all = guard.describe_aligned(crops, job);
  PhotoDescriptors out;
  size_t next = 0;
  for (const auto& [id, faces] : photos) {
    out.push_back({id, {}});
    for (size_t k = 0; k < faces.size(); ++k)
      out.back().second.push_back(all[next++]);
  }
  return out;
}

} // namespace drig::project
