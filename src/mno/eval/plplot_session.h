#pragma once
// One PNG drawn with PLplot's cairo device, written atomically: a white page with black
// annotations (PLplot's defaults are a black page), the stream always closed, even when drawing
// throws, so that the next plot in the process starts clean.
#include <functional>
#include <string>

namespace mno::eval {

// PLplot's colour-map-0 index of the black used for boxes, labels and text.
inline constexpr int kPlplotBlack = 15;

// Draws `draw()` onto a width×height pixel page and writes it to `path` (temporary file + rename).
// Throws mno::Error if the directory is missing or PLplot writes nothing; `path` is then untouched.
void write_plplot_png(const std::string& path, int width, int height, const std::function<void()>& draw);

}  // namespace mno::eval
