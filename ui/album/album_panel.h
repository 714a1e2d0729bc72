#pragma once

#include <QWidget>

class QLabel;
class QListView;
class QStackedWidget;
class QStandardItemModel;

namespace drig::ui {

class EmptyState;

// The left dock: the album's photos as thumbnails, how many of them are
// usable for personalization, and a drop hint while the album is empty.
class AlbumPanel : public QWidget {
  Q_OBJECT

public:
  // DiffusionRig personalizes from about this many photos of one person.
  static constexpr int kRecommendedPhotos = 20;

  explicit AlbumPanel(QWidget* parent = nullptr);

  QListView* view() const { return view_; }
  QStandardItemModel* model() const { return model_; }
  QLabel* counterLabel() const { return counter_; }
  EmptyState* emptyState() const { return empty_; }

  // Photos with one detected, aligned face (shown as "N / ~20 recommended photos").
  void setUsableCount(int usable);
  int usableCount() const { return usable_; }

private:
  void updateEmptyState();

  QStandardItemModel* model_;
  QListView* view_;
  EmptyState* empty_;
  QStackedWidget* stack_;
  QLabel* counter_;
  int usable_ = 0;
};

} // namespace drig::ui
