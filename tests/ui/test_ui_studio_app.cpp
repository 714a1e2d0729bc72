// Runs the built diffusionrig-studio: --screenshot, no display, --version.
#include "tests/ui/ui_test_env.h"

#include "drig/version.h"
#include "ui/shell/screenshot.h"

#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTest>

namespace {

constexpr int kTimeoutMs = 90'000;

struct Run {
  int exit_code = -1;
  QString out;
  QString err;
};

// Runs the application with `environment` changes applied to a clean copy of
// ours: settings and assets in the test's temporary folder.
Run run_studio(const QStringList& arguments, const QStringList& unset, const QString& platform) {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  const QString root = drig::ui::test::temp_root();
  env.insert(QStringLiteral("XDG_CONFIG_HOME"), root + QStringLiteral("/app-config"));
  env.insert(QStringLiteral("DIFFUSIONRIG_ASSETS"), root + QStringLiteral("/no-assets"));
  for (const QString& name : unset)
    env.remove(name);
  if (!platform.isEmpty())
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), platform);
  QProcess process;
  process.setProcessEnvironment(env);
  process.start(QStringLiteral(DRIG_STUDIO_EXE), arguments);
  Run run;
  if (!process.waitForStarted(kTimeoutMs)) {
    run.err = QStringLiteral("could not start %1: %2")
                  .arg(QStringLiteral(DRIG_STUDIO_EXE), process.errorString());
    return run;
  }
  if (!process.waitForFinished(kTimeoutMs)) {
    process.kill();
    process.waitForFinished();
    run.err = QStringLiteral("timed out");
    return run;
  }
  run.exit_code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  run.out = QString::fromLocal8Bit(process.readAllStandardOutput());
  run.err = QString::fromLocal8Bit(process.readAllStandardError());
  return run;
}

const QStringList kDisplayVariables = {QStringLiteral("DISPLAY"), QStringLiteral("WAYLAND_DISPLAY"),
                                       QStringLiteral("QT_QPA_PLATFORM")};

} // namespace

class StudioAppTest : public QObject {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() { drig::ui::test::init_environment(); }

  void screenshotWritesAPicture() {
    const QString path =
        drig::ui::test::test_output_dir() + QStringLiteral("/studio-app-screenshot.png");
    QFile::remove(path);
    const Run run =
        run_studio({QStringLiteral("--screenshot"), path}, {}, QStringLiteral("offscreen"));
    QVERIFY2(run.exit_code == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains(path), qPrintable(run.out));
    QImage image;
    QVERIFY2(image.load(path), qPrintable(path));
    QVERIFY(image.width() > 800 && image.height() > 500);
    const double content = drig::ui::non_background_fraction(image);
    QVERIFY2(content > 0.05, qPrintable(QString::number(content)));
  }

  void screenshotToAnUnwritablePlaceFails() {
    const Run run =
        run_studio({QStringLiteral("--screenshot"), QStringLiteral("/proc/no-such-dir/shot.png")},
                   {}, QStringLiteral("offscreen"));
    QCOMPARE(run.exit_code, 1);
    QVERIFY2(run.err.contains(QStringLiteral("--screenshot")), qPrintable(run.err));
  }

  void withoutDisplayExplainsAndExits2() {
    const Run run = run_studio({}, kDisplayVariables, {});
    QCOMPARE(run.exit_code, 2);
    QVERIFY2(run.err.contains(QStringLiteral("no display found")), qPrintable(run.err));
    QVERIFY(run.err.contains(QStringLiteral("xvfb-run -a diffusionrig-studio")));
    QVERIFY(run.err.contains(QStringLiteral("QT_QPA_PLATFORM=offscreen")));
  }

  void versionNeedsNoDisplay() {
    const Run run = run_studio({QStringLiteral("--version")}, kDisplayVariables, {});
    QCOMPARE(run.exit_code, 0);
    QVERIFY2(run.out.contains(QString::fromUtf8(drig::kVersion)), qPrintable(run.out));
    const Run help = run_studio({QStringLiteral("--help")}, kDisplayVariables, {});
    QCOMPARE(help.exit_code, 0);
    QVERIFY(help.out.contains(QStringLiteral("--screenshot")));
    QVERIFY(help.out.contains(QStringLiteral("--reset-layout")));
  }

  void unknownOptionFails() {
    const Run run =
        run_studio({QStringLiteral("--no-such-option")}, {}, QStringLiteral("offscreen"));
    QVERIFY(run.exit_code != 0);
    QVERIFY2(run.err.contains(QStringLiteral("no-such-option")), qPrintable(run.err));
  }
};

QTEST_MAIN(StudioAppTest)
#include "test_ui_studio_app.moc"
