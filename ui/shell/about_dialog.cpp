#include "ui/shell/about_dialog.h"

#include "drig/version.h"
#include "model/device.h"
#include "ui/shell/app_icon.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QVBoxLayout>

namespace drig::ui {

namespace {
QLabel* wrapped(const QString& text, const QString& object_name = {}) {
  auto* label = new QLabel(text);
  label->setWordWrap(true);
  label->setTextInteractionFlags(Qt::TextBrowserInteraction);
  label->setOpenExternalLinks(true);
  if (!object_name.isEmpty())
    label->setObjectName(object_name);
  return label;
}

QPixmap icon_pixmap(int size, qreal ratio) {
  QPixmap pixmap(QSize(size, size) * ratio);
  pixmap.setDevicePixelRatio(ratio);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  paint_app_icon(painter, QRectF(0, 0, size, size));
  return pixmap;
}
} // namespace

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
  setObjectName(QStringLiteral("aboutDialog"));
  setWindowTitle(tr("About %1").arg(QString::fromUtf8(kProjectName)));

  auto* icon = new QLabel;
  icon->setPixmap(icon_pixmap(80, devicePixelRatioF()));
  icon->setAlignment(Qt::AlignTop | Qt::AlignHCenter);

  auto* name = new QLabel(QString::fromUtf8(kProjectName));
  QFont big = name->font();
  big.setPointSizeF(big.pointSizeF() * 1.6);
  big.setBold(true);
  name->setFont(big);
  version_ =
      wrapped(tr("Version %1").arg(QString::fromUtf8(kVersion)), QStringLiteral("versionLabel"));

  auto* description = wrapped(
      tr("Personalized portrait editing: fit a 3D face model to a photo album, personalize a "
         "diffusion model on it, then change the lighting, expression and pose of a portrait.<br>"
         "Based on <i>DiffusionRig: Learning Personalized Priors for Facial Appearance "
         "Editing</i> (Ding et al., CVPR 2023)."));
  licence_ = wrapped(
      tr("Licensed under the <a href=\"https://www.apache.org/licenses/LICENSE-2.0\">Apache "
         "License 2.0</a>.<br><br>The model files you supply (the DiffusionRig checkpoint, "
         "DECA and FLAME) are not part of this program and keep their own licences: read the "
         "terms that came with them, some allow non-commercial research use only."),
      QStringLiteral("licenceLabel"));
  const TorchRuntimeInfo runtime = torch_runtime_info();
  libraries_ = wrapped(tr("Built with LibTorch %1 (%2) and Qt %3; running on Qt %4.")
                           .arg(QString::fromStdString(runtime.libtorch_version),
                                runtime.built_with_cuda ? tr("CUDA") : tr("CPU only"),
                                QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion())),
                       QStringLiteral("librariesLabel"));

  auto* text = new QVBoxLayout;
  text->setSpacing(8);
  text->addWidget(name);
  text->addWidget(version_);
  text->addSpacing(4);
  text->addWidget(description);
  text->addWidget(licence_);
  text->addWidget(libraries_);
  text->addStretch(1);

  auto* body = new QHBoxLayout;
  body->setSpacing(18);
  body->addWidget(icon, 0, Qt::AlignTop);
  body->addLayout(text, 1);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(20, 20, 20, 14);
  layout->addLayout(body, 1);
  layout->addWidget(buttons);
  setMinimumWidth(520);
}

} // namespace drig::ui
