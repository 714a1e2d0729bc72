#pragma once

#include <QDialog>

#include <filesystem>
#include <vector>

class QListWidget;

namespace drig::ui {

// Album → Choose Face…: the aligned crop of every face found in a group
// photo, with its likeness to the album's person where it was measured
// (PhotoEntry::face_likeness); the one picked is the photo's portrait from
// then on.
class FacePickDialog : public QDialog {
  Q_OBJECT

public:
  FacePickDialog(const std::vector<std::filesystem::path>& faces, int current,
                 const std::vector<double>& likeness = {}, QWidget* parent = nullptr);
  int chosen() const;
  QListWidget* list() const { return list_; }

private:
  QListWidget* list_;
};

} // namespace drig::ui
