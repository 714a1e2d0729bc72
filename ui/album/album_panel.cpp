#include "ui/album/album_panel.h"

#include "ui/shell/empty_state.h"

#include <QLabel>
#include <QListView>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace drig::ui {

AlbumPanel::AlbumPanel(QWidget* parent)
    : QWidget(parent), model_(new QStandardItemModel(this)), view_(new QListView),
      empty_(new EmptyState(tr("Drop photos or a folder here"),
                            tr("About %1 photos of one person work best: different days, "
                               "expressions, poses and lighting.")
                                .arg(kRecommendedPhotos),
                            EmptyState::Glyph::Photos)),
      stack_(new QStackedWidget), counter_(new QLabel) {
  setObjectName(QStringLiteral("albumPanel"));
  setMinimumWidth(200);
  view_->setObjectName(QStringLiteral("albumView"));
  empty_->setObjectName(QStringLiteral("albumEmptyState"));
  counter_->setObjectName(QStringLiteral("albumCounter"));

  view_->setModel(model_);
  view_->setViewMode(QListView::IconMode);
  view_->setIconSize(QSize(96, 96));
  view_->setGridSize(QSize(112, 128));
  view_->setResizeMode(QListView::Adjust);
  view_->setMovement(QListView::Static);
  view_->setUniformItemSizes(true);
  view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  view_->setWordWrap(true);

  stack_->addWidget(empty_);
  stack_->addWidget(view_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->setSpacing(6);
  layout->addWidget(stack_, 1);
  layout->addWidget(counter_);

  connect(model_, &QAbstractItemModel::rowsInserted, this, &AlbumPanel::updateEmptyState);
  connect(model_, &QAbstractItemModel::rowsRemoved, this, &AlbumPanel::updateEmptyState);
  connect(model_, &QAbstractItemModel::modelReset, this, &AlbumPanel::updateEmptyState);
  setUsableCount(0);
  updateEmptyState();
}

void AlbumPanel::setUsableCount(int usable) {
  usable_ = usable;
  counter_->setText(tr("%1 / ~%2 recommended photos").arg(usable).arg(kRecommendedPhotos));
  counter_->setToolTip(tr("Photos with one clearly visible face that can be used to personalize "
                          "the model. About %1 give the best results.")
                           .arg(kRecommendedPhotos));
}

void AlbumPanel::updateEmptyState() {
  stack_->setCurrentWidget(model_->rowCount() == 0 ? static_cast<QWidget*>(empty_) : view_);
}

} // namespace drig::ui
