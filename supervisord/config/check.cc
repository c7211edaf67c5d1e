#include "supervisord/config/check.h"
