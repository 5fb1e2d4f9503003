#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/core/remove_tree.h"
#include "mno/core/seed.h"
#include "mno/core/threads.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("mno-test-" + name + "-" + std::to_string(::getpid()));
  remove_tree(dir.string());
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFile, WritesTheWholeFile) {
  const auto dir = fresh_dir("atomic");
  write_text_atomically((dir / "a.txt").string(), "hello\n");
  EXPECT_EQ(read(dir / "a.txt"), "hello\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
}

TEST(AtomicFile, FailedWriteLeavesTheOldFileAndNoTemporary) {
  const auto dir = fresh_dir("atomic-fail");
  const auto target = (dir / "a.txt").string();
  write_text_atomically(target, "old");
  EXPECT_THROW(write_atomically(target,
                                [](const std::string& tmp) {
                                  std::ofstream(tmp) << "half";
                                  throw std::runtime_error("disk on fire");
                                }),
               std::runtime_error);
  EXPECT_EQ(read(target), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(AtomicFile, MissingDirectoryIsAClearError) {
  expect_error([] { write_text_atomically("/nonexistent-dir/a.txt", "x"); },
               {"cannot write '/nonexistent-dir/a.txt'", "directory '/nonexistent-dir' does not exist"});
}

TEST(RemoveTree, RemovesNestedFilesAndLinksWithoutFollowingThem) {
  const auto dir = fresh_dir("tree");
  const auto outside = fresh_dir("tree-outside");
  write_text_atomically((outside / "keep.txt").string(), "kept\n");
  fs::create_directories(dir / "a" / "b" / "c");
  write_text_atomically((dir / "a" / "b" / "c" / "deep.txt").string(), "x");
  write_text_atomically((dir / "top.txt").string(), "y");
  fs::create_directory_symlink(outside, dir / "a" / "link-to-outside");
  remove_tree(dir.string());
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(read(outside / "keep.txt"), "kept\n");  // the link was removed, not followed
  remove_tree(outside.string());
  EXPECT_FALSE(fs::exists(outside));
}

TEST(RemoveTree, AMissingPathIsNotAnErrorAFileIsRemoved) {
  const auto dir = fresh_dir("tree-file");
  EXPECT_NO_THROW(remove_tree((dir / "never-made").string()));
  write_text_atomically((dir / "f.txt").string(), "z");
  remove_tree((dir / "f.txt").string());
  EXPECT_FALSE(fs::exists(dir / "f.txt"));
  EXPECT_TRUE(remove_tree_noexcept(dir.string()));
}

TEST(RemoveTree, APathThroughAFileIsAnErrorNamingIt) {
  const auto dir = fresh_dir("tree-error");
  write_text_atomically((dir / "plain.txt").string(), "z");
  const std::string bad = (dir / "plain.txt" / "sub").string();
  try {
    remove_tree(bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot remove '" + bad + "' (while removing '" + bad + "'): Not a directory");
  }
  EXPECT_FALSE(remove_tree_noexcept(bad));
  remove_tree(dir.string());
}

TEST(Progress, PlainLinesAtEveryTenthAndAtTheEnd) {
  std::FILE* out = std::tmpfile();
  {
    Progress p("work", 20, Progress::Style::lines, out);
    for (int i = 0; i < 20; ++i) p.advance(1, "loss 0.5");
  }
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
  std::fclose(out);
  EXPECT_NE(text.find("work: 2/20 (10%)"), std::string::npos) << text;
  EXPECT_NE(text.find("work: 18/20 (90%)"), std::string::npos) << text;
  EXPECT_NE(text.find("work: 20/20 (100%)"), std::string::npos) << text;
  EXPECT_NE(text.find("elapsed"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10) << text;  // 9 deciles + the final line
  EXPECT_EQ(text.find('\r'), std::string::npos);  // no terminal control codes in logs
}

TEST(Progress, TerminalBarRedrawsOneLineAndEndsWithNewline) {
  std::FILE* out = std::tmpfile();
  {
    Progress p("train", 4, Progress::Style::bar, out);
    p.advance(4, "loss 0.1");  // the last unit is always drawn
  }
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
  std::fclose(out);
  EXPECT_EQ(text.front(), '\r') << text;
  EXPECT_NE(text.find("train [############################] 4/4 100%"), std::string::npos) << text;
  EXPECT_NE(text.find("loss 0.1"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;  // one line, finished once
  EXPECT_EQ(text.back(), '\n');
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(65), "01:05");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(-1), "--:--");
}

TEST(Seed, SameSeedSameDraws) {
  seed_everything(7);
  const auto a = torch::randn({5});
  seed_everything(7);
  EXPECT_TRUE(torch::equal(a, torch::randn({5})));
}

TEST(Threads, SetsTheRequestedCountAndRejectsNegative) {
  const int before = at::get_num_threads();
  EXPECT_EQ(set_threads(1), 1);
  EXPECT_EQ(set_threads(0), hardware_threads());
  expect_error([] { set_threads(-1); }, {"--threads", "found -1"});
  at::set_num_threads(before);
}

}  // namespace
}  // namespace mno::testing
