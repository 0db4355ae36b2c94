// Off-screen rendering for screenshots: an OpenGL framebuffer object the
// size of the requested image, read back with glReadPixels and saved as PNG.
#pragma once

#include <string>

namespace socklab::gui {

class OffscreenTarget {
 public:
  OffscreenTarget(int width, int height);
  ~OffscreenTarget();
  OffscreenTarget(const OffscreenTarget&) = delete;
  OffscreenTarget& operator=(const OffscreenTarget&) = delete;
  void bind();  // subsequent drawing goes here
  // Reads the pixels back and writes a PNG atomically. False + message on failure.
  bool save_png(const std::string& path, std::string* error);
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  int width_, height_;
  unsigned fbo_ = 0, color_ = 0;
};

// Reads the currently bound framebuffer (bottom-up GL rows) into top-down RGBA
// and writes it as PNG atomically. False + message on failure.
bool write_framebuffer_png(const std::string& path, int x, int y, int width, int height,
                           std::string* error);

}  // namespace socklab::gui
