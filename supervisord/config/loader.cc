#include "supervisord/config/loader.h"
