#pragma once

// The editor tests' project: one fitted photo (and a copy of it) with the
// tiny personal model of ../shared, and the main window opened on it.
#include "render/render_types.h"
#include "tests/support/test_paths.h"
#include "tests/training/edit/edit_fixtures.h"
#include "tests/ui/ui_test_env.h"
#include "training/edit/edit_engine.h"
#include "training/project/project.h"
#include "training/rig/rig_file.h"
#include "ui/album/album_panel.h"
#include "ui/album/project_controller.h"
#include "ui/shell/main_window.h"

#include <QListView>
#include <QStandardItemModel>
#include <QTest>

#include <filesystem>

namespace drig::ui::test {

namespace fs = std::filesystem;

inline fs::path make_assets() {
  const fs::path assets = fs::path(temp_root().toStdString()) / "editor_assets";
  fs::create_directories(assets);
  for (const auto& e : fs::directory_iterator(drig::test::shared_dir() / "reference/deca/data"))
    if (e.path().extension() != ".xz" && !fs::exists(assets / e.path().filename()))
      fs::create_symlink(e.path(), assets / e.path().filename());
  if (!fs::exists(assets / "deca_model.tar"))
    fs::create_symlink(drig::test::extracted_fixture("deca/deca_model.tar"),
                       assets / "deca_model.tar");
  return assets;
}

// A project with one fitted photo and a trained personal model (the tiny
// model of ../shared, 32²). The synthetic DECA weights fit a face that
// misses the crop, so the rig gets the reference fixtures' face, as the
// engine tests do, to give the edits pixels to change.
inline fs::path make_project(const fs::path& assets) {
  const fs::path folder = fs::path(temp_root().toStdString()) / "editor_project";
  fs::remove_all(folder);
  const fs::path photo = drig::test::shared_dir() / "testdata/albums/mark/img14.jpg";
  editing::EngineOptions o;
  o.model_path = drig::test::extracted_fixture("tiny/model000000.pt");
  o.assets_dir = assets;
  o.cache_dir = folder / "cache";
  o.device = "cpu";
  o.image_size = 32;
  o.renderer = render::RenderBackend::Cpu;
  project::Project p = project::Project::create(folder, "Editor");
  editing::EditEngine engine(o);
  const auto prepared = engine.prepare(photo);
  fitting::Rig rig = prepared->rig;
  drig::test::use_reference_face(rig);
  fs::create_directories(p.rigs_dir());
  fitting::save_rig(p.rigs_dir() / "img14.rig.json", rig);
  project::PhotoEntry& e = p.add_photo(photo);
  e.aligned = prepared->aligned_png;
  e.rig = p.rigs_dir() / "img14.rig.json";
  e.status = project::PhotoState::fitted;
  // A second photo of the album (Apply Edit to Selected): a copy of the file.
  const fs::path copy = folder / "img14_copy.jpg";
  fs::copy_file(photo, copy);
  fs::copy_file(p.rigs_dir() / "img14.rig.json", p.rigs_dir() / "img14_copy.rig.json");
  project::PhotoEntry& second = p.add_photo(copy);
  second.aligned = prepared->aligned_png;
  second.rig = p.rigs_dir() / "img14_copy.rig.json";
  second.status = project::PhotoState::fitted;
  project::PersonModel& person = p.person("default");
  person.model = o.model_path;
  person.status = project::ModelState::trained;
  person.train_options = {{"image_size", 32}};
  p.save();
  return folder;
}

// What each editor test class starts from: the project, made once per
// binary, and the main window opened on its first photo.
class EditorProjectFixture {
protected:
  fs::path assets_, folder_;

  void makeProject() {
    assets_ = make_assets();
    folder_ = make_project(assets_);
  }
  MainWindowOptions windowOptions() const {
    MainWindowOptions options;
    options.assets_dir = QString::fromStdString(assets_.string());
    return options;
  }
  // Shows the window with the first photo selected (a failed check returns
  // early: callers test QTest::currentTestFailed()).
  void openFirstPhoto(MainWindow& window) {
    window.resize(1360, 860);
    window.show();
    QString error;
    QVERIFY2(
        window.projectController()->openProject(QString::fromStdString(folder_.string()), &error),
        qPrintable(error));
    window.albumPanel()->view()->setCurrentIndex(window.albumPanel()->model()->index(0, 0));
  }
};

} // namespace drig::ui::test
