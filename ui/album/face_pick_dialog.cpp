#include "ui/album/face_pick_dialog.h"

#include "training/project/person_faces.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QVBoxLayout>

namespace drig::ui {

FacePickDialog::FacePickDialog(const std::vector<std::filesystem::path>& faces, int current,
                               const std::vector<double>& likeness, QWidget* parent)
    : QDialog(parent), list_(new QListWidget) {
  setObjectName(QStringLiteral("facePickDialog"));
  setWindowTitle(tr("Choose Face"));
  list_->setObjectName(QStringLiteral("faceList"));
  list_->setViewMode(QListView::IconMode);
  list_->setIconSize(QSize(128, 128));
  list_->setMovement(QListView::Static);
  list_->setResizeMode(QListView::Adjust);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  for (size_t i = 0; i < faces.size(); ++i) {
    const QPixmap crop(QString::fromStdString(faces[i].string()));
    QString label = tr("Face %1").arg(i + 1);
    if (i < likeness.size())
      label += tr("\nlikeness %1").arg(likeness[i], 0, 'f', 2);
    auto* item = new QListWidgetItem(QIcon(crop), label);
    if (i < likeness.size())
      item->setToolTip(tr("Likeness to the album's person: %1 (%2 and up: the same person)")
                           .arg(likeness[i], 0, 'f', 2)
                           .arg(project::same_person_threshold(), 0, 'f', 2));
    if (crop.isNull())
      item->setFlags(item->flags() & ~Qt::ItemIsEnabled); // the crop is gone: re-align first
    list_->addItem(item);
  }
  list_->setCurrentRow(current);
  list_->setMinimumSize(int(std::min<size_t>(faces.size(), 4)) * 150 + 20,
                        likeness.empty() ? 190 : 210);
  auto* note = new QLabel(tr("The face you pick is the one personalized and edited in this "
                             "photo. Choosing another fits the face model again."));
  note->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(list_, &QListWidget::itemDoubleClicked, this, &QDialog::accept);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(list_, 1);
  layout->addWidget(note);
  layout->addWidget(buttons);
}

int FacePickDialog::chosen() const {
  return list_->currentRow();
}

} // namespace drig::ui
