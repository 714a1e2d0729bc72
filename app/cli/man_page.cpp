#include "app/cli/man_page.h"

#include <sstream>

namespace drig::cli {

namespace {

// roff: a leading '.' or '\'' starts a request, '\' an escape, '-' a hyphen.
std::string roff(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\''))
    out.insert(0, "\\&");
  return out;
}

void options(std::ostringstream& man, const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_name().empty() || opt->get_group().empty())
      continue; // hidden
    std::string names;
    for (const std::string& s : opt->get_snames())
      names += (names.empty() ? "" : ", ") + std::string("-") + s;
    for (const std::string& l : opt->get_lnames())
      names += (names.empty() ? "" : ", ") + std::string("--") + l;
    if (names.empty())
      names = opt->get_name(); // a positional
    man << ".TP\n\\fB" << roff(names) << "\\fR";
    if (opt->get_type_size() != 0 && !opt->get_type_name().empty())
      man << " \\fI" << roff(opt->get_type_name()) << "\\fR";
    man << "\n" << roff(opt->get_description());
    if (!opt->get_default_str().empty())
      man << " (default: " << roff(opt->get_default_str()) << ")";
    man << "\n";
  }
}

} // namespace

std::string man_page(const CLI::App& app, const std::string& version) {
  std::ostringstream man;
  man << ".TH DIFFUSIONRIG 1 \"\" \"diffusionrig " << roff(version)
      << "\" \"DiffusionRig Studio\"\n"
      << ".SH NAME\ndiffusionrig \\- " << roff(app.get_description()) << "\n"
      << ".SH SYNOPSIS\n\\fBdiffusionrig\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR "
         "[\\fICOMMAND OPTIONS\\fR]\n"
      << ".SH DESCRIPTION\nThe command-line side of DiffusionRig Studio. Its commands mirror the "
         "scripts of the DiffusionRig paper (CVPR 2023): align, create\\-data, train, infer, "
         "sample; the desktop application, \\fBdiffusionrig\\-studio\\fR(1), runs the same "
         "steps over the same libraries.\n"
      << ".PP\nThe program never downloads model weights. Point it at the files you have "
         "(the DECA model, the FLAME files, a Stage 1 checkpoint) with \\fB\\-\\-assets\\fR or "
         "\\fBDIFFUSIONRIG_ASSETS\\fR; \\fBdiffusionrig doctor\\fR says what is missing and "
         "where to get it.\n"
      << ".SH OPTIONS\n";
  options(man, app);
  man << ".SH COMMANDS\n";
  for (const CLI::App* sub : app.get_subcommands({})) {
    man << ".SS " << roff(sub->get_name()) << "\n" << roff(sub->get_description()) << "\n";
    options(man, *sub);
  }
  man << ".SH ENVIRONMENT\n.TP\n\\fBDIFFUSIONRIG_ASSETS\\fR\nThe model files folder when "
         "\\fB\\-\\-assets\\fR is not given (default: ~/.local/share/diffusionrig/assets).\n"
      << ".SH EXIT STATUS\n0 on success, 1 on an error (one message naming the file and the "
         "problem), 130 when cancelled with Ctrl\\-C (finished outputs are kept).\n"
      << ".SH SEE ALSO\n\\fBdiffusionrig\\-studio\\fR(1), /usr/share/doc/diffusionrig\\-studio/"
         "user\\-guide.md\n";
  return man.str();
}

} // namespace drig::cli
