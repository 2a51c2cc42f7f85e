using Microsoft.EntityFrameworkCore;

namespace Relay.Storage;

public class RelayDb(DbContextOptions<RelayDb> options, OutboxSignal? outboxSignal = null) : DbContext(options)
{
    public DbSet<Union> Unions => Set<Union>();
    public DbSet<SolidarityMessage> Messages => Set<SolidarityMessage>();
    public DbSet<MessageRecipient> Recipients => Set<MessageRecipient>();
    public DbSet<Translation> Translations => Set<Translation>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<CoordinatorKey> CoordinatorKeys => Set<CoordinatorKey>();
    public DbSet<GlossaryTerm> Glossary => Set<GlossaryTerm>();
    public DbSet<CachedTranslation> TranslationCache => Set<CachedTranslation>();
    public DbSet<ProviderUsage> ProviderUsage => Set<ProviderUsage>();
    public DbSet<SchemaVersion> SchemaVersions => Set<SchemaVersion>();
    public DbSet<Bounce> Bounces => Set<Bounce>();
    public DbSet<Supporter> Supporters => Set<Supporter>();
    public DbSet<InboundMail> InboundMails => Set<InboundMail>();

    /// <summary>Records an event in the outbox; it is published after the surrounding SaveChanges commits.</summary>
    public void Enqueue<T>(T @event) where T : class => Outbox.Add(OutboxEvents.Create(@event));

    /// <summary>Records an act in the audit log; it is written with the surrounding SaveChanges, so with the act itself.</summary>
    public void Audit(string actor, string action, Guid messageId, string? detail = null, string? reason = null) =>
        AuditLog.Add(new AuditEntry
        {
            Id = Guid.NewGuid(), At = DateTime.UtcNow, Actor = actor, Action = action, MessageId = messageId, Detail = detail, Reason = reason,
        });

    public override async Task<int> SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        var hasEvents = ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added);
        var written = await base.SaveChangesAsync(cancellationToken);
        // Wake this process's dispatcher at once instead of waiting for its next poll.
        if (hasEvents)
            outboxSignal?.Notify();
        return written;
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Union>(e =>
        {
            e.ToTable("unions");
            e.Property(u => u.Name).HasMaxLength(200);
            e.Property(u => u.Country).HasMaxLength(2);
            e.Property(u => u.Email).HasMaxLength(320);
            e.Property(u => u.ApiKeyHash).HasMaxLength(64);
            e.HasIndex(u => u.ApiKeyHash).IsUnique();
            e.Ignore(u => u.PreferredLanguage);
            e.Ignore(u => u.IsSuppressed);
        });

        model.Entity<SolidarityMessage>(e =>
        {
            e.ToTable("messages");
            e.Property(m => m.Title).HasMaxLength(200);
            e.Property(m => m.Status).HasMaxLength(32);
            e.Property(m => m.IdempotencyKey).HasMaxLength(200);
            e.HasOne(m => m.Sender).WithMany().HasForeignKey(m => m.SenderUnionId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(m => m.Supporter).WithMany().HasForeignKey(m => m.SupporterId);
            e.Property(m => m.Channel).HasMaxLength(32);
            e.Ignore(m => m.FromSupporter);
            e.Ignore(m => m.SenderName);
            e.Ignore(m => m.SenderEmail);
            e.Ignore(m => m.SenderLanguage);
            // The same Idempotency-Key from the same union returns the same message.
            e.HasIndex(m => new { m.SenderUnionId, m.IdempotencyKey }).IsUnique();
            e.HasIndex(m => new { m.SupporterId, m.IdempotencyKey }).IsUnique();
            // Two consumers racing on one message: the second save fails and is retried against fresh state.
            e.Property(m => m.UpdatedAt).IsConcurrencyToken();
            e.HasIndex(m => m.Status);
            // The public site reads these over every published message at each request (its ETag's
            // version, the counts, the menus): an index each keeps that to index lookups, not table scans.
            // (PublishedAt, TakenDownAt) covers "visible" and the newest-first pages.
            e.HasIndex(m => new { m.PublishedAt, m.TakenDownAt });
            e.HasIndex(m => m.UpdatedAt);
            e.HasIndex(m => m.Language);
            // The anonymisation's daily question: old messages not yet anonymised.
            e.HasIndex(m => new { m.AnonymisedAt, m.ReceivedAt });
            e.HasMany(m => m.Recipients).WithOne().HasForeignKey(r => r.MessageId);
            e.HasMany(m => m.Translations).WithOne().HasForeignKey(t => t.MessageId);
            e.HasMany(m => m.Deliveries).WithOne().HasForeignKey(d => d.MessageId);
        });

        model.Entity<MessageRecipient>(e =>
        {
            e.ToTable("message_recipients");
            e.HasKey(r => new { r.MessageId, r.UnionId });
            e.HasOne(r => r.Union).WithMany().HasForeignKey(r => r.UnionId);
        });

        model.Entity<Translation>(e =>
        {
            e.ToTable("translations");
            e.HasKey(t => new { t.MessageId, t.Language });
            // The public site's version (the newest translation) and its language menu.
            e.HasIndex(t => t.At);
            e.HasIndex(t => t.Language);
        });

        model.Entity<Delivery>(e =>
        {
            e.ToTable("deliveries");
            e.HasIndex(d => new { d.MessageId, d.RecipientUnionId, d.Address }).IsUnique();
            e.HasIndex(d => new { d.Status, d.NextAttemptAt });
            e.Property(d => d.Status).HasMaxLength(16);
        });

        model.Entity<OutboxMessage>(e =>
        {
            e.ToTable("outbox");
            e.HasIndex(o => o.DispatchedAt);
            e.HasIndex(o => o.EventId).IsUnique();
        });

        model.Entity<CoordinatorKey>(e =>
        {
            e.ToTable("coordinator_keys");
            e.HasIndex(k => k.KeyHash).IsUnique();
        });

        model.Entity<GlossaryTerm>(e =>
        {
            e.ToTable("glossary_terms");
            e.Property(t => t.Term).HasMaxLength(200);
            e.HasIndex(t => t.Term).IsUnique();
            e.HasMany(t => t.Renderings).WithOne().HasForeignKey(r => r.TermId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<GlossaryRendering>(e =>
        {
            e.ToTable("glossary_renderings");
            e.HasKey(r => new { r.TermId, r.Language });
        });

        model.Entity<CachedTranslation>(e =>
        {
            e.ToTable("translation_cache");
            e.HasKey(c => c.Key);
            e.Property(c => c.Key).HasMaxLength(64);
        });

        model.Entity<ProviderUsage>(e =>
        {
            e.ToTable("provider_usage");
            e.HasKey(u => new { u.Provider, u.Day });
        });

        model.Entity<Bounce>(e =>
        {
            e.ToTable("bounces");
            e.HasKey(b => b.Key);
            e.Property(b => b.Key).HasMaxLength(64);
            e.HasIndex(b => b.UnionId);
        });

        model.Entity<Supporter>(e =>
        {
            e.ToTable("supporters");
            e.Property(p => p.Name).HasMaxLength(200);
            e.Property(p => p.Organisation).HasMaxLength(200);
            e.Property(p => p.Email).HasMaxLength(320);
            e.HasIndex(p => p.Email).IsUnique();
            e.Ignore(p => p.DisplayName);
        });

        model.Entity<InboundMail>(e =>
        {
            e.ToTable("inbound_mails");
            e.HasKey(m => m.Key);
            e.Property(m => m.Key).HasMaxLength(64);
            e.HasIndex(m => m.ReceivedAt);
        });

        model.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_log");
            e.HasIndex(a => a.At);
            e.HasIndex(a => a.MessageId);
        });

        model.Entity<SchemaVersion>(e =>
        {
            e.ToTable("schema_versions");
            e.HasKey(v => v.Version);
            e.Property(v => v.Version).ValueGeneratedNever();
        });
    }
}
