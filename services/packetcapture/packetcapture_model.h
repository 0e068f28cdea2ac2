#pragma once
#include "polycube/service_model.h"
namespace polycube::services {
ServiceModel packetcapture_model();
}
