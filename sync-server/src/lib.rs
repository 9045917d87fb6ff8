//! FoodPatrol sync server.
