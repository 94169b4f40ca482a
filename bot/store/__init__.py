"""Database models, engine and migrations, and what belongs to the rows themselves: the
conversation states and their allowed moves (`states`), times as they are stored (`times`),
the rows' JSON shapes (`serialize`) and the dialect switch of every upsert (`upsert`). The
hub is the only owner of these tables."""
