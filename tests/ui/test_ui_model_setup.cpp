// Help > Set Up Models… as a user meets it: the first start without model
// files opens it, downloads are dropped on it (a zip, a folder, odd names),
// the licences are confirmed once, and the table turns to Installed.
#include "tests/support/test_paths.h"
#include "tests/ui/ui_test_env.h"

#include "model/base/atomic_file.h"
#include "model/formats/zip_archive.h"
#include "ui/shell/main_actions.h"
#include "ui/shell/main_window.h"
#include "ui/shell/model_setup_dialog.h"
#include "ui/shell/screenshot.h"

#include <QAction>
#include <QDropEvent>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QUrl>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig::ui;

namespace {

QString status_of(QTableWidget* table, const QString& file) {
  for (int r = 0; r < table->rowCount(); ++r)
    if (table->item(r, 0)->text() == file)
      return table->item(r, 2)->text();
  return QStringLiteral("(no row)");
}

// The downloads as a user has them: FLAME2020.zip with its three models,
// DECA's data files in a folder, the DECA model and a Stage 1 checkpoint
// under names of their own.
fs::path make_downloads(const fs::path& dir) {
  const fs::path data = drig::test::shared_dir() / "reference/deca/data";
  fs::create_directories(dir / "DECA-master/data");
  std::ostringstream bytes;
  drig::formats::ZipWriter zip(bytes);
  for (const char* name : {"female_model.pkl", "generic_model.pkl", "male_model.pkl"})
    zip.add(name, drig::read_file(data / "generic_model.pkl"));
  zip.finish();
  drig::write_file_atomic(dir / "FLAME2020.zip", bytes.str());
  for (const char* name : {"landmark_embedding.npy", "head_template.obj", "FLAME_texture.npz",
                           "uv_face_mask.png", "mean_texture.jpg"})
    fs::copy_file(data / name, dir / "DECA-master/data" / name);
  fs::copy_file(drig::test::extracted_fixture("deca/deca_model.tar"), dir / "deca (2).tar");
  fs::copy_file(drig::test::extracted_fixture("tiny/model000000.pt"), dir / "stage1_ffhq.ckpt");
  return dir;
}

} // namespace

class ModelSetupTest : public QObject {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() { test::init_environment(); }
  void init() { test::clear_settings(); }

  void firstStartWithoutModelsInstallsDroppedDownloads() {
    if (drig::test::shared_dir().empty())
      QSKIP("../shared is absent: no synthetic model files");
    drig::test::TempDir assets("setup_assets"), downloads("setup_downloads");
    MainWindowOptions options;
    options.assets_dir = QString::fromStdString(assets.path().string());
    MainWindow window(options);
    window.resize(MainWindow::kDefaultSize);
    window.show();
    QVERIFY(window.actions()->setUpModels != nullptr);
    window.offerModelSetup();
    QTRY_VERIFY(window.modelSetupDialog() != nullptr);
    ModelSetupDialog* dialog = window.modelSetupDialog();
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QTableWidget* table = dialog->assetTable();
    QCOMPARE(status_of(table, QStringLiteral("stage1.pt")), QStringLiteral("Missing"));
    for (int r = 0; r < table->rowCount(); ++r)
      if (table->item(r, 2)->text() == QStringLiteral("Missing"))
        QVERIFY2(!table->item(r, 3)->text().isEmpty(), "a missing file says where to get it");

    const fs::path dir = make_downloads(downloads.path());
    test::drop_paths(*dialog, {QString::fromStdString((dir / "FLAME2020.zip").string()),
                               QString::fromStdString((dir / "DECA-master").string()),
                               QString::fromStdString((dir / "deca (2).tar").string()),
                               QString::fromStdString((dir / "stage1_ffhq.ckpt").string())});
    QVERIFY(dialog->busy() || dialog->licenceBox() != nullptr);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->licenceBox() != nullptr, 60000);
    QMessageBox* licences = dialog->licenceBox();
    QVERIFY(licences->text().contains(QStringLiteral("FLAME")));
    QVERIFY2(!fs::exists(assets / "stage1.pt"), "nothing before the licences are accepted");
    QVERIFY(QTest::qWaitForWindowExposed(licences));
    test::save_grab(*licences, QStringLiteral("studio-model-setup-licences.png"));
    licences->button(QMessageBox::Yes)->click();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->busy() && dialog->licenceBox() == nullptr &&
                                 dialog->report()->toPlainText().contains(
                                     QStringLiteral("Every required model file is installed")),
                             60000);
    for (const char* file : {"stage1.pt", "deca_model.tar", "generic_model.pkl",
                             "FLAME_texture.npz", "landmark_embedding.npy", "head_template.obj"})
      QCOMPARE(status_of(table, QString::fromLatin1(file)), QStringLiteral("Installed"));
    const QString report = dialog->report()->toPlainText();
    QVERIFY2(report.contains(QStringLiteral("male_model.pkl")), qPrintable(report));
    QCOMPARE(drig::read_file(assets / "generic_model.pkl"),
             drig::read_file(drig::test::shared_dir() / "reference/deca/data/generic_model.pkl"));
    test::save_grab(*dialog, QStringLiteral("studio-model-setup.png"));

    // The next start has its models: the assistant stays closed.
    dialog->close();
    QTRY_VERIFY(window.modelSetupDialog() == nullptr);
    window.offerModelSetup(); // decides at once: no dialog, now or later
    QVERIFY(window.modelSetupDialog() == nullptr);
  }
};

QTEST_MAIN(ModelSetupTest)
#include "test_ui_model_setup.moc"
