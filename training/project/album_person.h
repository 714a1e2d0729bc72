#pragma once

// Who the album is of. The paper's personal model learns one person from
// their album, yet an album's photos hold strangers in group shots, a
// friend's portrait that slipped in, even a pet (face detectors find dogs'
// faces). From one face descriptor per face (face-api's recognition network,
// identity::IdentityGuard::describe_aligned), the person is the face that
// recurs across the most photos; each photo's face most like them is the one
// to edit and learn from, and a photo where none is them stays out of the
// personal model. No torch here: the descriptors come as plain floats.
#include <string>
#include <utility>
#include <vector>

namespace drig::project {

struct Project;

using Descriptor = std::vector<float>; // empty: the face could not be described
// Photo id -> one descriptor per face crop (PhotoEntry::faces).
using PhotoDescriptors = std::vector<std::pair<std::string, std::vector<Descriptor>>>;

// 1 - the euclidean distance (face-api's and dlib's measure); 0 when either is empty.
double descriptor_similarity(const Descriptor& a, const Descriptor& b);

struct PersonMatch {
  int face = -1;             // the photo's face most like the person (-1: none described)
  double similarity = -1;    // that face's similarity to the person
  std::vector<double> faces; // every face's (0 for one not described)
};

struct AlbumPerson {
  bool found = false; // some face recurs (at or above the threshold) in two photos or more
  int photos_with_person = 0;
  std::vector<PersonMatch> photos; // one per input photo
};

// photos[i][k]: the descriptor of face k of photo i. The person is anchored
// on the face that matches a face in the most other photos (ties: the higher
// summed similarity), then described by the mean of each photo's best match
// to that anchor, so one odd photo of them does not decide.
AlbumPerson find_album_person(const std::vector<std::vector<Descriptor>>& photos, double threshold);

// What a check changed in a project.
struct PersonCheckSummary {
  int measured = 0;     // photos given a similarity
  int left_out = 0;     // judged someone else for the first time: excluded
  int face_changed = 0; // group photos that now use another face
  std::vector<std::string> left_out_ids, face_changed_ids;
};

// Applies a check to the project's photos (faces: photo id -> one descriptor
// per PhotoEntry::faces entry). Photos are grouped by the personal model
// they belong to. Every measured photo gets its face_likeness; a photo
// judged for the first time (no similarity before) also gets the person's
// face, unless the user chose one (face_chosen) or has edited the photo,
// and is excluded with a reason when no face of it is the person. Later
// checks change neither, so a photo the user includes again stays included.
// A photo that changes face loses its rig and is fitted again.
PersonCheckSummary apply_person_check(Project& project, const PhotoDescriptors& faces,
                                      double threshold);

// Whether a photo's reason is a check's "left out" (cleared when the user
// includes the photo again).
bool is_left_out_reason(const std::string& reason);

} // namespace drig::project
