#include "common/expand.h"
