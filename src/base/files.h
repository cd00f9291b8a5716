#pragma once
// Whole-file helpers for small files (certificates, kubeconfigs, configuration).

#include <string>

#include "base/status.h"

namespace carrier {

// Writes `content` to `path` atomically (temporary file, fsync, rename) with `mode`, so a
// reader sees the old file or the new one, never a part.
Status WriteFileAtomically(const std::string& path, const std::string& content, int mode);
// kNotFound when the file cannot be read.
Result<std::string> ReadFile(const std::string& path);

}  // namespace carrier
