// The CNI commands. Each returns what goes to stdout (empty for none) or
// throws CniError.
#pragma once

#include <string>

#include "conf.h"

namespace pcncni {

std::string cmd_add(const Env &env, const NetConf &conf);
std::string cmd_del(const Env &env, const NetConf &conf);
std::string cmd_check(const Env &env, const NetConf &conf);
std::string cmd_status(const Env &env, const NetConf &conf);
std::string cmd_gc(const Env &env, const NetConf &conf);
std::string cmd_version();

}  // namespace pcncni
