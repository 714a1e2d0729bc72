#include "training/project/album_person.h"

#include "training/project/project.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace drig::project {

double descriptor_similarity(const Descriptor& a, const Descriptor& b) {
  if (a.empty() || a.size() != b.size())
    return 0;
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sum += double(a[i] - b[i]) * double(a[i] - b[i]);
  return 1.0 - std::sqrt(sum);
}

namespace {

constexpr const char* kLeftOut = "left out of personalization: ";

// The face of `faces` most like `d` and its similarity ({-1, -1}: none described).
PersonMatch best_match(const std::vector<Descriptor>& faces, const Descriptor& d) {
  PersonMatch m;
  for (size_t k = 0; k < faces.size(); ++k)
    if (!faces[k].empty()) {
      const double s = descriptor_similarity(faces[k], d);
      if (m.face < 0 || s > m.similarity) {
        m.face = int(k);
        m.similarity = s;
      }
    }
  return m;
}

} // namespace

AlbumPerson find_album_person(const std::vector<std::vector<Descriptor>>& photos,
                              double threshold) {
  AlbumPerson out;
  out.photos.resize(photos.size());
  // The anchor: the face seen in the most other photos.
  int best_count = 0;
  double best_sum = 0;
  const Descriptor* anchor = nullptr;
  size_t anchor_photo = 0;
  for (size_t i = 0; i < photos.size(); ++i)
    for (const Descriptor& f : photos[i]) {
      if (f.empty())
        continue;
      int count = 0;
      double sum = 0;
      for (size_t j = 0; j < photos.size(); ++j) {
        if (j == i)
          continue;
        const PersonMatch m = best_match(photos[j], f);
        if (m.face >= 0 && m.similarity >= threshold) {
          ++count;
          sum += m.similarity;
        }
      }
      if (count > best_count || (count == best_count && count > 0 && sum > best_sum)) {
        best_count = count;
        best_sum = sum;
        anchor = &f;
        anchor_photo = i;
      }
    }
  if (!anchor)
    return out; // no face recurs: nobody to tell apart yet
  // The person: the mean of the anchor and its match in every other photo.
  Descriptor person(anchor->size(), 0.f);
  int members = 0;
  for (size_t i = 0; i < photos.size(); ++i) {
    const Descriptor* d = anchor;
    if (i != anchor_photo) {
      const PersonMatch m = best_match(photos[i], *anchor);
      d = m.face >= 0 && m.similarity >= threshold ? &photos[i][size_t(m.face)] : nullptr;
    }
    if (!d)
      continue;
    for (size_t c = 0; c < person.size(); ++c)
      person[c] += (*d)[c];
    ++members;
  }
  for (float& v : person)
    v /= float(members);
  out.found = true;
  for (size_t i = 0; i < photos.size(); ++i) {
    out.photos[i] = best_match(photos[i], person);
    for (const Descriptor& f : photos[i])
      out.photos[i].faces.push_back(f.empty() ? 0.0 : descriptor_similarity(f, person));
    if (out.photos[i].face >= 0 && out.photos[i].similarity >= threshold)
      ++out.photos_with_person;
  }
  return out;
}

PersonCheckSummary apply_person_check(Project& project, const PhotoDescriptors& faces,
                                      double threshold) {
  // Grouped by the personal model each photo trains.
  std::map<std::string, std::vector<std::pair<PhotoEntry*, const std::vector<Descriptor>*>>> groups;
  for (const auto& [id, descriptors] : faces)
    if (PhotoEntry* e = project.find(id); e && descriptors.size() == e->faces.size())
      groups[e->person.empty() ? std::string("default") : e->person].push_back({e, &descriptors});
  PersonCheckSummary summary;
  for (auto& [person, members] : groups) {
    std::vector<std::vector<Descriptor>> photos;
    for (const auto& m : members)
      photos.push_back(*m.second);
    const AlbumPerson found = find_album_person(photos, threshold);
    if (!found.found)
      continue;
    for (size_t i = 0; i < members.size(); ++i) {
      PhotoEntry& e = *members[i].first;
      const PersonMatch& m = found.photos[i];
      if (m.face < 0)
        continue;
      const bool first = e.face_likeness.empty();
      ++summary.measured;
      const bool is_person = m.similarity >= threshold;
      if (first && is_person && !e.face_chosen && !project.edits.count(e.id) &&
          m.face != e.face_index) {
        e.face_index = m.face;
        e.aligned = e.faces[size_t(m.face)];
        e.rig.clear(); // fitted to the other face
        if (e.status == PhotoState::fitted)
          e.status = PhotoState::aligned;
        ++summary.face_changed;
        summary.face_changed_ids.push_back(e.id);
      }
      e.face_likeness.clear();
      for (double s : m.faces)
        e.face_likeness.push_back(std::max(0.0, s));
      if (first && !is_person && !e.excluded) {
        e.excluded = true;
        e.reason = fmt::format("{}no face looks like the album's "
                               "person (similarity {:.2f}, same person from {:.2f}); include "
                               "it again if this is them",
                               kLeftOut, std::max(0.0, m.similarity), threshold);
        ++summary.left_out;
        summary.left_out_ids.push_back(e.id);
      }
    }
  }
  return summary;
}

bool is_left_out_reason(const std::string& reason) {
  return reason.rfind(kLeftOut, 0) == 0;
}

} // namespace drig::project
