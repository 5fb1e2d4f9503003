#include "mno/eval/plplot_session.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <plplot.h>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"

namespace mno::eval {
namespace {

bool ends_with_png_trailer(const std::string& file) {
  static const char kTrailer[] = {'I', 'E', 'N', 'D', '\xae', 'B', '`', '\x82'};
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in || in.tellg() < static_cast<std::streamoff>(sizeof kTrailer)) return false;
  in.seekg(-static_cast<std::streamoff>(sizeof kTrailer), std::ios::end);
  char tail[sizeof kTrailer] = {};
  in.read(tail, sizeof tail);
  return in && std::equal(tail, tail + sizeof tail, kTrailer);
}

}  // namespace

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
    // PLplot reports no write errors: a PNG cut short (disk full) lacks its closing IEND chunk.
    check(ends_with_png_trailer(tmp), "{}: the PNG was not written completely (disk full or a file-size limit?)", path);
  });
}

}  // namespace mno::eval
