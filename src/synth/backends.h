// Internal to synth/: the three backends behind backend_make(), one file each.
#pragma once

#include "synth/synth.h"

namespace neuroseed {

std::unique_ptr<Backend> backend_extractive();
std::unique_ptr<Backend> backend_llama(const BackendOptions & options);
std::unique_ptr<Backend> backend_openai(const BackendOptions & options);

}  // namespace neuroseed
