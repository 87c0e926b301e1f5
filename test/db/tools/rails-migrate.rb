# Active Record's own migrator (Debian ruby-activerecord 6.1, ruby-pg) on a db/migrate folder, as
# `bin/rails db:migrate VERSION=…`, `db:rollback` and `db:migrate:status` run it, without a Rails app:
#   DATABASE_URL=… ruby rails-migrate.rb <dir> migrate [version] | rollback | status
require 'active_record'

dir, command, version = ARGV
ActiveRecord::Base.establish_connection(ENV.fetch('DATABASE_URL'))
ActiveRecord::Migration.verbose = false
context = ActiveRecord::MigrationContext.new([File.join(dir, 'db', 'migrate')], ActiveRecord::SchemaMigration)
case command
when 'migrate' then context.migrate(version && Integer(version))
when 'rollback' then context.rollback(1)
when 'status'
  context.migrations_status.each { |state, v, name| puts "#{state} #{v} #{name}" }
  puts "environment #{ActiveRecord::InternalMetadata[:environment]}"
else abort "unknown command #{command}"
end
