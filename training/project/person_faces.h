#pragma once

// The slow half of an album-person check, for a worker thread: one face
// descriptor per face crop of each photo, with face-api's recognition
// network from the user's models folder. Kept apart from album_person.h so
// that the Studio's controller includes no torch.
#include "model/base/progress.h"
#include "training/project/album_person.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace drig::project {

using PhotoFaces = std::vector<std::pair<std::string, std::vector<std::filesystem::path>>>;

// Whether `models_dir` holds the recognition model the check needs.
bool have_person_model(const std::filesystem::path& models_dir);
// photos: id -> its face crops (PhotoEntry::faces). Error naming the folder
// when the model is missing; crops that cannot be described get an empty
// descriptor. Progress per crop, cancellable.
PhotoDescriptors describe_photo_faces(const PhotoFaces& photos,
                                      const std::filesystem::path& models_dir,
                                      const JobContext& job = {});
// The similarity at or above which two faces are one person (dlib's 0.6 distance).
double same_person_threshold();

} // namespace drig::project
