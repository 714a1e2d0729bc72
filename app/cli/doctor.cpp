#include "app/cli/doctor.h"

#include "app/cli/doctor_report.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace drig::cli {

CommandRunner add_doctor_command(CLI::App& sub) {
  auto json = std::make_shared<bool>(false);
  sub.add_flag("--json", *json, "Print the report as JSON on stdout");
  sub.footer("Exit status: 0 when everything the app needs is in place, 1 otherwise (each problem "
             "is listed on its own line).");
  return [json](CommandEnv& env) {
    const DoctorReport report = run_doctor(env.global);
    if (*json)
      std::cout << to_json(report).dump(2) << "\n";
    else
      std::cout << to_text(report);
    return report.ok() ? 0 : 1;
  };
}

} // namespace drig::cli
