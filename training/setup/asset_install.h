#pragma once

// The model set-up assistant under `diffusionrig assets install` and the
// Studio's Set Up Models dialog: the user gives the files as downloaded
// (FLAME2020.zip, the texture space zip, deca_model.tar, a zip or folder of
// DECA's data/, the Stage 1 checkpoint under any name); each needed file is
// found by its content, checked, and moved into the assets folder. A good
// installed file is never replaced by a bad one.
#include "model/base/options.h"
#include "model/base/progress.h"

#include <filesystem>
#include <string>
#include <vector>

namespace drig::setup {

// The licence of a group of asset files, shown before installing them.
struct LicenceNote {
  std::string id;                 // stable key, e.g. "flame"
  std::string title;              // e.g. "FLAME (MPI for Intelligent Systems)"
  std::string text;               // what the user agrees to, in one paragraph
  std::vector<std::string> files; // the asset file names it covers
};
const std::vector<LicenceNote>& licence_notes();
// The note covering `asset_file` (nullptr for none).
const LicenceNote* licence_for(const std::string& asset_file);

// Licences the user has confirmed for this assets folder (kept in it, in
// LICENCES-ACCEPTED.txt, so the user is asked once).
std::vector<std::string> accepted_licences(const std::filesystem::path& assets_dir);
void record_accepted_licences(const std::filesystem::path& assets_dir,
                              const std::vector<std::string>& ids);

// Exactly where and how to get a missing asset (the page, what to click).
std::string how_to_get(const std::string& asset_file);

// One file found in the inputs.
struct FoundFile {
  std::string origin; // "FLAME2020.zip: generic_model.pkl" or the file's path
  std::string asset;  // the asset file it is, empty when none
  std::string reason; // why it is not installed (unrecognised, corrupt, duplicate, ...)
};

struct InstallOptions {
  std::vector<std::filesystem::path> inputs; // files, archives (zip) and folders
  std::filesystem::path assets_dir;
  bool replace = false; // a good installed file is replaced by a different good one
  // Licence ids the user confirmed now; installing a file whose licence is
  // neither here nor recorded in the folder fails before anything moves.
  std::vector<std::string> accept_licences;
  bool dry_run = false; // find and check only

  // Every problem at once (no inputs, inputs that do not exist, no folder).
  void check(OptionCheck& check) const;
};

struct InstallReport {
  std::vector<FoundFile> found;             // every file looked at, in input order
  std::vector<std::string> to_install;      // asset file names the inputs give (new or better)
  std::vector<std::string> installed;       // those installed now (none for a dry run or when a
                                            // licence still needs confirming)
  std::vector<std::string> unchanged;       // already installed with this content
  std::vector<std::string> kept;            // a different good file was there (no --replace)
  std::vector<std::string> licences_needed; // ids to confirm (nothing was installed)
  std::vector<std::string> missing;         // required assets still missing afterwards
};

// Finds, checks and installs. When a licence is needed that is neither in
// accept_licences nor recorded in the folder, nothing is installed and
// licences_needed names it. Throws drig::Error naming an input that does not
// exist; a damaged or unknown file only gets its reason in `found`.
InstallReport install_assets(const InstallOptions& options, const JobContext& job = {});

} // namespace drig::setup
