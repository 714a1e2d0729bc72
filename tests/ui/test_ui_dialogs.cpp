// Preferences (validation, the live assets check, persistence) and About.
#include "tests/ui/ui_test_env.h"

#include "drig/version.h"
#include "model/base/assets.h"
#include "model/base/options.h"
#include "model/device.h"
#include "ui/album/personalize_dialog.h"
#include "ui/album/training_estimate.h"
#include "ui/editor/export_dialog.h"
#include "ui/shell/about_dialog.h"
#include "ui/shell/preferences_dialog.h"
#include "ui/shell/screenshot.h"
#include "ui/shell/settings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTest>
#include <QTreeWidget>

using namespace drig::ui;

namespace {

void write_file(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
  file.write(bytes);
}

QTreeWidgetItem* row_for(QTreeWidget* tree, const QString& file_name) {
  const auto items = tree->findItems(file_name, Qt::MatchExactly, PreferencesDialog::FileColumn);
  return items.isEmpty() ? nullptr : items.first();
}

} // namespace

class DialogsTest : public QObject {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() { test::init_environment(); }
  void init() { test::clear_settings(); }

  void defaultsWithoutSavedSettings() {
    const StudioSettings settings = StudioSettings::load();
    QCOMPARE(settings, StudioSettings{});
    QCOMPARE(settings.device, QStringLiteral("auto"));
    QCOMPARE(settings.sampler, QStringLiteral("dpmpp3m"));
    QCOMPARE(settings.steps, 15);
    QCOMPARE(settings.precision, QStringLiteral("auto"));
    QCOMPARE(settings.steps_spec(), std::string("15"));
    QVERIFY(settings.problems().isEmpty());
  }

  void invalidDeviceIsRejected() {
    PreferencesDialog dialog(StudioSettings::load());
    dialog.show();
    dialog.deviceCombo()->setCurrentText(QStringLiteral("gpu0"));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.problems().size(), 1);
    QVERIFY2(dialog.problems().first().contains(QStringLiteral("invalid device 'gpu0'")),
             qPrintable(dialog.problems().first()));
    QVERIFY(dialog.problemsLabel()->isVisible());
    QVERIFY(dialog.problemsLabel()->text().contains(QStringLiteral("gpu0")));
    QVERIFY(!QSettings().contains(keys::kDevice)); // nothing saved
  }

  void unusableGpuIsRejected() {
    if (drig::torch_runtime_info().cuda_available)
      QSKIP("a CUDA GPU is present, so --device cuda is valid here");
    PreferencesDialog dialog(StudioSettings::load());
    dialog.deviceCombo()->setCurrentText(QStringLiteral("cuda:0"));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY2(dialog.problems().join(' ').contains(QStringLiteral("no usable CUDA GPU")),
             qPrintable(dialog.problems().join(' ')));
  }

  void assetsFolderMustBeAFolder() {
    const QString file = test::temp_root() + QStringLiteral("/not-a-folder.txt");
    write_file(file, "x");
    PreferencesDialog dialog(StudioSettings::load());
    dialog.assetsEdit()->setText(file);
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(dialog.problems().join(' ').contains(QStringLiteral("is not a folder")));
  }

  void personalizeSaysTheExpectedTimePlainly() {
    if (drig::torch_runtime_info().cuda_available)
      QSKIP("a CUDA GPU is present: auto trains there");
    const QString assets = test::temp_root() + QStringLiteral("/assets-estimate");
    QVERIFY(QDir().mkpath(assets));
    {
      PersonalizeDialog fresh(assets.toStdString(), 10);
      QVERIFY2(fresh.timeEstimate()->text().contains(QStringLiteral("not measured")),
               qPrintable(fresh.timeEstimate()->text()));
    }
    // 30 s per step measured by an earlier run: 5000 steps are about 42 h.
    remember_step_seconds(training_rate_key(QStringLiteral("cpu"), 256, 4), 30.0);
    PersonalizeDialog dialog(assets.toStdString(), 10);
    const QString text = dialog.timeEstimate()->text();
    QVERIFY2(text.contains(QStringLiteral("about 42 h for 5000 steps")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("many hours on this CPU")), qPrintable(text));
    QVERIFY(training_time_text(0.5, 100, true).startsWith(QStringLiteral("about 50 s")));
    QVERIFY(!training_time_text(0.5, 100, true).contains(QStringLiteral("many hours")));
  }

  // Issue 24: the options check themselves and the dialogs list every
  // problem before the job can start, not one at a time when it fails.
  void personalizeListsEveryProblemBeforeItStarts() {
    const QString assets = test::temp_root() + QStringLiteral("/assets-problems");
    QVERIFY(QDir().mkpath(assets));
    PersonalizeDialog dialog(assets.toStdString(), 10);
    dialog.findChild<QLineEdit*>(QStringLiteral("personName"))->setText(QStringLiteral("../mark"));
    dialog.findChild<QLineEdit*>(QStringLiteral("stage1Path"))
        ->setText(QStringLiteral("/nowhere/model.pt"));
    dialog.findChild<QSpinBox*>(QStringLiteral("imageSize"))->setValue(33);
    const QString text = dialog.assetsReport()->text();
    for (const char* part : {"../mark", "/nowhere/model.pt", "multiple of 8", "deca_model.tar"})
      QVERIFY2(text.contains(QLatin1String(part)),
               qPrintable(part + (QStringLiteral(" not in: ") + text)));
    QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    QVERIFY(!ok->isEnabled());
    dialog.findChild<QLineEdit*>(QStringLiteral("personName"))->setText(QStringLiteral("mark"));
    dialog.findChild<QSpinBox*>(QStringLiteral("imageSize"))->setValue(32);
    QVERIFY(!dialog.assetsReport()->text().contains(QStringLiteral("../mark")));
    QVERIFY(!dialog.assetsReport()->text().contains(QStringLiteral("multiple of 8")));
    QVERIFY(!ok->isEnabled()); // the checkpoint and the model files are still missing
    test::save_grab(dialog, QStringLiteral("personalize_problems.png"));
  }

  void exportListsEveryProblemBeforeItStarts() {
    ExportDialog dialog(3, QString());
    QLabel* problems = dialog.problemsLabel();
    QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    QVERIFY2(problems->text().contains(QStringLiteral("choose a folder")),
             qPrintable(problems->text()));
    QVERIFY(!ok->isEnabled());
    dialog.findChild<QLineEdit*>(QStringLiteral("exportFolder"))->setText(test::temp_root());
    dialog.findChild<QLineEdit*>(QStringLiteral("exportName"))->setText(QStringLiteral("portrait"));
    QVERIFY2(problems->text().contains(QStringLiteral("3 photos")), qPrintable(problems->text()));
    QVERIFY(!ok->isEnabled());
    dialog.findChild<QLineEdit*>(QStringLiteral("exportName"))
        ->setText(QStringLiteral("portrait_{n}"));
    QVERIFY2(problems->text().isEmpty(), qPrintable(problems->text()));
    QVERIFY(ok->isEnabled());
    ExportOptions bad = dialog.options();
    bad.format = QStringLiteral("jpg");
    bad.bit_depth = 16;
    bad.quality = 0;
    drig::OptionCheck check;
    bad.check(check, 3);
    QCOMPARE(check.problems().size(), size_t(2)); // the quality, and 16 bits in a JPEG
  }

  void validPreferencesPersist() {
    const QString assets = test::temp_root() + QStringLiteral("/assets-persist");
    QVERIFY(QDir().mkpath(assets));
    PreferencesDialog dialog(StudioSettings::load());
    dialog.show();
    dialog.assetsEdit()->setText(assets);
    dialog.deviceCombo()->setCurrentText(QStringLiteral("cpu"));
    dialog.threadsSpin()->setValue(2);
    dialog.samplerCombo()->setCurrentIndex(dialog.samplerCombo()->findData("ddim"));
    dialog.stepsSpin()->setValue(50);
    dialog.previewStepsSpin()->setValue(4);
    dialog.precisionCombo()->setCurrentIndex(dialog.precisionCombo()->findData("fp32"));
    dialog.seedSpin()->setValue(1234);
    dialog.cacheSpin()->setValue(512);
    dialog.minIdentitySpin()->setValue(0.5);
    dialog.identityRetriesSpin()->setValue(5);
    dialog.accept();
    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QCOMPARE(dialog.result(), int(QDialog::Accepted));

    StudioSettings expected;
    expected.assets_dir = assets;
    expected.device = QStringLiteral("cpu");
    expected.threads = 2;
    expected.sampler = QStringLiteral("ddim");
    expected.steps = 50;
    expected.preview_steps = 4;
    expected.precision = QStringLiteral("fp32");
    expected.seed = 1234;
    expected.cache_mb = 512;
    expected.min_identity = 0.5;
    expected.identity_retries = 5;
    QCOMPARE(StudioSettings::load(), expected);
    QCOMPARE(QSettings().value(keys::kDevice).toString(), QStringLiteral("cpu"));

    PreferencesDialog reopened(StudioSettings::load());
    QCOMPARE(reopened.assetsEdit()->text(), assets);
    QCOMPARE(reopened.deviceCombo()->currentText(), QStringLiteral("cpu"));
    QCOMPARE(reopened.threadsSpin()->value(), 2);
    QCOMPARE(reopened.stepsSpin()->value(), 50);
    QCOMPARE(reopened.samplerCombo()->currentData().toString(), QStringLiteral("ddim"));
    QCOMPARE(reopened.precisionCombo()->currentData().toString(), QStringLiteral("fp32"));
    QCOMPARE(StudioSettings::load().steps_spec(), std::string("ddim50"));
    QCOMPARE(reopened.seedSpin()->value(), 1234);
    QCOMPARE(reopened.cacheSpin()->value(), 512);
  }

  void listsEveryAssetWithItsState() {
    const QString assets = test::temp_root() + QStringLiteral("/assets-check");
    QVERIFY(QDir().mkpath(assets));
    write_file(assets + QStringLiteral("/head_template.obj"), "v 0 0 0\nvt 0 0\nf 1/1 1/1 1/1\n");
    write_file(assets + QStringLiteral("/stage1.pt"), "this is not a checkpoint");

    PreferencesDialog dialog(StudioSettings::load());
    dialog.assetsEdit()->setText(assets);
    dialog.refreshAssetStatus();
    QTreeWidget* tree = dialog.assetsTree();
    QCOMPARE(tree->topLevelItemCount(), int(drig::asset_specs().size()));

    QTreeWidgetItem* present = row_for(tree, QStringLiteral("head_template.obj"));
    QTreeWidgetItem* wrong = row_for(tree, QStringLiteral("stage1.pt"));
    QTreeWidgetItem* missing = row_for(tree, QStringLiteral("generic_model.pkl"));
    QTreeWidgetItem* optional = row_for(tree, QStringLiteral("mean_texture.jpg"));
    QVERIFY(present && wrong && missing && optional);
    QCOMPARE(present->text(PreferencesDialog::StatusColumn), QStringLiteral("present"));
    QCOMPARE(wrong->text(PreferencesDialog::StatusColumn), QStringLiteral("wrong format"));
    QCOMPARE(missing->text(PreferencesDialog::StatusColumn), QStringLiteral("missing"));
    QCOMPARE(optional->text(PreferencesDialog::StatusColumn), QStringLiteral("missing (optional)"));
    QVERIFY(wrong->text(PreferencesDialog::DetailColumn).contains(QStringLiteral("get it from")));
    QVERIFY(missing->text(PreferencesDialog::DetailColumn).contains(QStringLiteral("flame")));
    QVERIFY(dialog.assetsSummary()->text().contains(assets));

    // Typing a folder refreshes the list by itself.
    dialog.assetsEdit()->setText(test::temp_root() + QStringLiteral("/nowhere"));
    QTRY_VERIFY(dialog.assetsSummary()->text().contains(QStringLiteral("does not exist")));

    dialog.assetsEdit()->setText(assets);
    dialog.refreshAssetStatus();
    test::save_grab(dialog, QStringLiteral("studio-preferences.png"));
  }

  void aboutShowsVersionAndLicences() {
    AboutDialog dialog;
    dialog.show();
    QVERIFY(dialog.versionLabel()->text().contains(QString::fromUtf8(drig::kVersion)));
    QVERIFY(dialog.windowTitle().contains(QStringLiteral("DiffusionRig Studio")));
    const QString licence = dialog.licenceLabel()->text();
    QVERIFY(licence.contains(QStringLiteral("Apache License 2.0")));
    for (const char* model : {"DiffusionRig checkpoint", "DECA", "FLAME"})
      QVERIFY2(licence.contains(QString::fromLatin1(model)), model);
    const QString libraries = dialog.librariesLabel()->text();
    QVERIFY(
        libraries.contains(QString::fromStdString(drig::torch_runtime_info().libtorch_version)));
    QVERIFY(libraries.contains(QString::fromLatin1(qVersion())));
    test::save_grab(dialog, QStringLiteral("studio-about.png"));
  }
};

QTEST_MAIN(DialogsTest)
#include "test_ui_dialogs.moc"
