#pragma once
#include "polycube/service_model.h"
namespace polycube::services {
ServiceModel @name@_model();
}
