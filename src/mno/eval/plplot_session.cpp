#include "mno/eval/plplot_session.h"

#include <filesystem>

#include <plplot.h>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"

namespace mno::eval {

void write_plplot_png(const std::string& path, int width, int height, const std::function<void()>& draw) {
  write_atomically(path, [&](const std::string& tmp) {
    plsdev("pngcairo");
    plsfnam(tmp.c_str());
    plspage(0, 0, width, height, 0, 0);
    // PLplot's colour 0 is the background: make it white, and the annotation colour black.
    plscolbg(255, 255, 255);
    plscol0(kPlplotBlack, 0, 0, 0);
    plinit();
    try {
      draw();
    } catch (...) {
      plend();
      throw;
    }
    plend();
    check(std::filesystem::exists(tmp) && std::filesystem::file_size(tmp) > 0, "{}: PLplot wrote nothing", path);
  });
}

}  // namespace mno::eval
