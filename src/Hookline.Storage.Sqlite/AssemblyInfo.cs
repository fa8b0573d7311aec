namespace Hookline.Storage.Sqlite;
